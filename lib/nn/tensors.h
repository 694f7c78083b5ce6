// Weights as LibTorch tensors without copying: views of memory-mapped safetensors files and PyTorch checkpoints
// (their storages stay in the mapping, which each tensor keeps alive), and safetensors written from tensors.
#pragma once
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "io/torch_checkpoint.h"

namespace grove::nn {

c10::ScalarType scalar_type(io::DType d);
io::DType dtype_of(c10::ScalarType t);  // throws grove::Error for a type safetensors cannot hold

// A tensor over v's bytes; `keep` (the mapping v points into) lives as long as the tensor does.
at::Tensor view(const io::TensorView& v, std::shared_ptr<const void> keep);
// A tensor with t's shape and strides over its storage (shared storages stay shared).
at::Tensor view(const io::CheckpointTensor& t);

// Every tensor of a safetensors set (a model directory's weights) as views into its mappings, in file order: a 7B
// model "loads" without reading or copying its 16 GB; pages come in as computation touches them.
std::vector<std::pair<std::string, at::Tensor>> views(const io::SafetensorsSet& set);

// Loads weights into a module by name: every parameter and buffer of m, named prefix + its name in m, must be among
// 'weights' with the same shape and a floating dtype, and no weight under the prefix may be left over. Every
// problem is collected and thrown as one grove::Error naming 'where' (the model directory). Values are copied,
// converted to each parameter's dtype and device; with share, a weight already in the parameter's dtype and on its
// device becomes the parameter itself (no copy: a memory-mapped file's pages are shared by every process that maps
// it, but the parameter is then read-only, so never share what will be trained).
void load_module(torch::nn::Module& m, const std::vector<std::pair<std::string, at::Tensor>>& weights,
                 const std::string& prefix, const std::string& where, bool share = false);

// The tensors as views for the weight writers: each made contiguous on the CPU (detached), kept alive in 'keep'
// for as long as the views are used.
struct HostViews {
  std::vector<at::Tensor> keep;
  std::vector<io::TensorView> views;
};
HostViews host_views(const std::vector<std::pair<std::string, at::Tensor>>& tensors);

// Writes the tensors (made contiguous, on the CPU) as a safetensors file, atomically.
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace grove::nn
