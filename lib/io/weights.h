// Weight files of every format grove reads — safetensors (single or sharded), PyTorch's torch.save (zip or
// legacy) — behind one interface, for `grove-convert inspect`, the converters that make model directories, and
// loaders that accept any of them.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
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

// "safetensors", "safetensors-index" (a directory or index of shards), "torch-zip", "torch-legacy" or "torch-index"
// (pytorch_model.bin.index.json and its shards); throws grove::Error for anything else.
std::string weights_format(const std::string& path);

// Every tensor's name, dtype and shape, in file order.
std::vector<WeightInfo> list_weights(const std::string& path);
std::vector<WeightInfo> list_weights(const SafetensorsSet& set);

// One weights file (or safetensors set) opened once. Tensors stay in the memory mapping where they are stored
// contiguously (every safetensors tensor, and nearly every checkpoint tensor).
class WeightFile {
 public:
  explicit WeightFile(const std::string& path);
  ~WeightFile();
  WeightFile(WeightFile&&) noexcept;
  const std::string& path() const { return path_; }
  const std::string& format() const { return format_; }
  const std::vector<WeightInfo>& tensors() const { return infos_; }
  const WeightInfo* find(const std::string& name) const;
  // The tensor's elements in row-major order: a view into the mapping, or into 'scratch' when the stored tensor
  // is a strided view that has to be gathered. Throws grove::Error when absent.
  TensorView view(const std::string& name, std::vector<uint8_t>& scratch) const;

 private:
  struct Impl;
  std::string path_, format_;
  std::vector<WeightInfo> infos_;
  std::map<std::string, size_t> index_;
  std::unique_ptr<Impl> impl_;
};

// Element conversion between the floating dtypes (F64, F32, F16, BF16); rounding to nearest even, as PyTorch's
// casts do. Throws grove::Error for a non-floating dtype.
bool is_floating(DType d);
std::vector<float> to_float(const TensorView& v);
std::vector<uint8_t> from_float(const float* data, size_t n, DType to);
std::vector<uint8_t> convert_dtype(const TensorView& v, DType to);

}  // namespace grove::io
