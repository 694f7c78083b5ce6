// grove-bench-weights-load MODEL_DIR: opens a model directory the way the network will (config, layout check,
// every tensor as a LibTorch view into the memory mapping), then reads one tensor through. Prints, as key=value
// lines for bench/weights.sh: the time to open, the peak resident memory after opening and after the read, and the
// size of the weights, so the report can show that the weights were mapped rather than copied.
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "arch/model_dir.h"
#include "nn/tensors.h"

static double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: grove-bench-weights-load MODEL_DIR\n");
    return 2;
  }
  try {
    const double rss0 = peak_rss_mb();
    auto t0 = std::chrono::steady_clock::now();
    grove::arch::ModelDir model(argv[1]);
    auto tensors = grove::nn::views(model.weights());
    auto t1 = std::chrono::steady_clock::now();
    double bytes = 0, params = 0;
    for (const auto& [name, t] : tensors) {
      bytes += static_cast<double>(t.numel() * t.element_size());
      params += static_cast<double>(t.numel());
    }
    const double rss1 = peak_rss_mb();
    // Read one large tensor through (the embedding table): its pages are mapped in, nothing else is.
    at::Tensor embed;
    for (const auto& [name, t] : tensors)
      if (name == "model.embed_tokens.weight") embed = t;
    double sum = embed.defined() ? embed.to(torch::kFloat32).sum().item<double>() : 0.0;
    std::printf("tensors=%zu\nparameters=%.0f\nweight_bytes=%.0f\nopen_s=%.3f\nbaseline_rss_mb=%.1f\n"
                "rss_after_open_mb=%.1f\nrss_after_reading_embed_mb=%.1f\nembed_bytes=%.0f\nembed_sum=%g\n",
                tensors.size(), params, bytes, std::chrono::duration<double>(t1 - t0).count(), rss0, rss1,
                peak_rss_mb(), embed.defined() ? static_cast<double>(embed.numel() * embed.element_size()) : 0.0, sum);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-bench-weights-load: error: %s\n", e.what());
    return 2;
  }
}
