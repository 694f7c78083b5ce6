#include "nn/runtime.h"

#include <torch/torch.h>

namespace grove::nn {

std::string runtime_info() {
  std::string s = "LibTorch " TORCH_VERSION;
  s += torch::cuda::is_available() ? " (CUDA, " + std::to_string(torch::cuda::device_count()) + " GPU)" : " (CPU)";
  return s;
}

void set_threads(int threads) {
  if (threads > 0) torch::set_num_threads(threads);
}

}  // namespace grove::nn
