// The few facts about LibTorch that the tools print or set at start-up.
#include <torch/torch.h>

#include <string>

namespace grove {

std::string torch_build_info() {
  std::string s = "LibTorch " TORCH_VERSION;
  s += torch::cuda::is_available() ? " (CUDA, " + std::to_string(torch::cuda::device_count()) + " GPU)" : " (CPU)";
  return s;
}

void set_torch_threads(int threads) {
  if (threads > 0) {
    torch::set_num_threads(threads);
  }
}

}  // namespace grove
