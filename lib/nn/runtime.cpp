#include "nn/runtime.h"

#include <dlfcn.h>
#include <torch/torch.h>

namespace grove::nn {

std::string runtime_info() {
  std::string s = "LibTorch " TORCH_VERSION;
  s += torch::cuda::is_available() ? " (CUDA, " + std::to_string(torch::cuda::device_count()) + " GPU)" : " (CPU)";
  return s;
}

void set_threads(int threads) {
  if (threads <= 0) return;
  torch::set_num_threads(threads);
  // LibTorch's setting does not reach OpenBLAS (Debian's LibTorch does its matrix products there), whose own pool
  // keeps one thread per core spinning in sched_yield between products: with --threads 1 a training process then
  // burnt two cores for the speed of one. The symbol is looked up, not linked, because CUDA and MKL builds of
  // LibTorch do not load OpenBLAS at all.
  using SetThreads = void (*)(int);
  if (auto openblas = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) openblas(threads);
}

}  // namespace grove::nn
