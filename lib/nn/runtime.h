// LibTorch at run time: what the torch-using tools (grove-infer, grove-train, grove-annotate) set up at start and
// print in --version. This lives in libgrove-torch, apart from libgrove, so that the tools that never run a network
// (grove-decode, grove-convert, grove-eval) do not load LibTorch and start in milliseconds instead of half a second.
#pragma once
#include <string>

namespace grove::nn {

// "LibTorch 1.13.1 (CPU)" or "LibTorch 2.9.0 (CUDA, 1 GPU)", as found at run time.
std::string runtime_info();

// Prepares the process for LibTorch's work before a tool's body runs: sets LibTorch's intra-op threads and OpenBLAS's,
// where LibTorch uses it (0 leaves their default: one per core), and has malloc keep freed memory for the next step.
void setup_runtime(int threads);

}  // namespace grove::nn
