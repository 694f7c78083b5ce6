// grove-bench-infer MODEL_DIR [CLIPS] [FRAMES]: grove-infer's work without the streams, on synthetic clips of
// FRAMES frames of 455x256 noise (the HowToGround1M frame size): the whole iground protocol per clip, then greedy
// decoding alone (64 tokens, EOS disabled), then a float32 matrix product as the machine's peak, all in this run.
// Prints key=value lines for bench/infer.sh: clips/s, generated tokens/s, the dense layers' achieved GFLOP/s and
// the matmul GFLOP/s.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "arch/model_dir.h"
#include "model/generate.h"
#include "model/infer.h"
#include "model/load.h"
#include "nn/layers.h"

using namespace grove;
using Clock = std::chrono::steady_clock;

static double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: grove-bench-infer MODEL_DIR [CLIPS] [FRAMES]\n");
    return 2;
  }
  const int clips = argc > 2 ? std::atoi(argv[2]) : 4, frames = argc > 3 ? std::atoi(argv[3]) : 40;
  try {
    arch::ModelDir dir(argv[1]);
    model::Predictor predictor(model::load_grove(dir, {c10::Device(c10::kCPU), c10::kFloat, true}),
                               text::Tokenizer::load(argv[1]), model::InferOptions{});
    std::mt19937 rng(1);
    io::Record rec = {{"type", "frames"}, {"id", "clip"}, {"source", "noise"}, {"fps", 25.0}, {"width", 455},
                      {"height", 256}, {"pixel_format", "rgb24"}, {"pixel_width", 455}, {"pixel_height", 256}};
    rec["frame_indices"] = io::Record::array();
    rec["timestamps"] = io::Record::array();
    rec["pixels"] = io::Record::array();
    for (int f = 0; f < frames; ++f) {
      std::vector<uint8_t> px(455 * 256 * 3);
      for (auto& b : px) b = static_cast<uint8_t>(rng());
      rec["frame_indices"].push_back(f * 5);
      rec["timestamps"].push_back(f * 0.2);
      rec["pixels"].push_back(io::Record::binary(std::move(px)));
    }
    predictor.predict(rec);  // warm-up
    nn::reset_dense_flops();
    model::InferStats stats;
    auto t0 = Clock::now();
    for (int c = 0; c < clips; ++c) predictor.predict(rec, "", &stats);
    const double clip_s = seconds(t0);
    const double flops = static_cast<double>(nn::dense_flops());

    // Decoding alone: 64 tokens after a prompt of the real length, EOS never met.
    model::Grove g = model::load_grove(dir, {c10::Device(c10::kCPU), c10::kFloat, true});
    torch::NoGradGuard no_grad;
    const auto& cfg = dir.config();
    const int64_t prompt = 90 + cfg.clip.pool[0] * cfg.clip.pool[1] * cfg.clip.pool[2];
    at::Tensor embeds = torch::randn({1, prompt, cfg.llama.hidden_size});
    model::generate_greedy(g, embeds, 8, -1);
    t0 = Clock::now();
    auto gen = model::generate_greedy(g, embeds, 64, -1);
    const double gen_s = seconds(t0);

    // The machine's float32 matrix-product rate, with the same threads.
    at::Tensor a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
    torch::mm(a, b);
    t0 = Clock::now();
    int reps = 0;
    while (seconds(t0) < 1.0 || reps < 3) {
      torch::mm(a, b);
      ++reps;
    }
    const double mm_gflops = 2.0 * 1024 * 1024 * 1024 * reps / seconds(t0) / 1e9;

    std::printf("clips=%d\nframes=%d\nclip_seconds=%.4f\nclips_per_s=%.4f\n", clips, frames, clip_s / clips, clips / clip_s);
    std::printf("windows_per_clip=%.1f\ngenerated_per_clip=%.1f\n", double(stats.windows) / clips,
                double(stats.generated_tokens) / clips);
    std::printf("decode_tokens_per_s=%.2f\n", gen.ids.size() / gen_s);
    std::printf("dense_gflop_per_clip=%.3f\nachieved_gflops=%.2f\nmatmul_gflops=%.2f\nthreads=%d\n",
                flops / clips / 1e9, flops / clip_s / 1e9, mm_gflops, at::get_num_threads());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-bench-infer: %s\n", e.what());
    return 1;
  }
}
