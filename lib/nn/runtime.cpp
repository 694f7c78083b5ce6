#include "nn/runtime.h"

#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <torch/torch.h>

namespace grove::nn {

std::string runtime_info() {
  std::string s = "LibTorch " TORCH_VERSION;
  s += torch::cuda::is_available() ? " (CUDA, " + std::to_string(torch::cuda::device_count()) + " GPU)" : " (CPU)";
  return s;
}

namespace {

// glibc's malloc by default hands every block over 128 KiB to mmap at first and gives the top of the heap back to the
// system when 128 KiB are free there; its dynamic threshold then follows the largest block freed. A training step or a
// forward pass frees all its activations at the end, so the next one faulted every page in again and zeroed it:
// about 5,000 page faults a step on the synth configuration, 12% of the process's CPU time. Blocks up to 32 MiB (the
// most mallopt allows) now come from the heap, which keeps up to 1 GiB free for the next step.
void keep_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

void setup_runtime(int threads) {
  keep_freed_memory();
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
