// Weight files of every format grove reads — safetensors (single or sharded), PyTorch's torch.save (zip or
// legacy) — behind one listing, for `grove-convert inspect` and for loaders that accept any of them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace grove::io {

struct WeightInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  int64_t numel() const;
};

// "safetensors", "safetensors-index", "torch-zip" or "torch-legacy"; throws grove::Error for anything else.
std::string weights_format(const std::string& path);

// Every tensor's name, dtype and shape, in file order.
std::vector<WeightInfo> list_weights(const std::string& path);

}  // namespace grove::io
