// PyTorch checkpoints read without Python: the torch.save zip format (data.pkl + data/N storages) and the legacy
// format before it, through the restricted pickle machine. The allowed globals are exactly what state dicts use
// (OrderedDict, tensor and parameter rebuilding, typed storages); storages stay inside the memory-mapped file.
// Nested dicts ({"model": ...}, {"state_dict": ...}) are flattened to dotted names, as state dicts are.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/pickle.h"
#include "io/record.h"
#include "io/safetensors.h"

namespace grove::io {

struct Storage {
  std::shared_ptr<MappedFile> file;  // keeps the mapping alive when data points into it
  std::vector<uint8_t> owned;        // or the bytes themselves
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  DType dtype = DType::F32;
};

struct CheckpointTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;  // in elements, into the storage
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;

  int64_t numel() const;
  bool is_contiguous() const;
  // The elements in row-major order (a copy; strided views are gathered).
  std::vector<uint8_t> contiguous_bytes() const;
};

struct Checkpoint {
  std::vector<CheckpointTensor> tensors;                  // in the order the pickle holds them
  std::vector<std::pair<std::string, Record>> values;     // the other leaves (numbers, strings, None), flattened
  bool legacy = false;                                    // the pre-1.6 non-zip format
  const CheckpointTensor* find(const std::string& name) const;
};

// Reads PATH; throws grove::Error(path, ...) for a truncated or corrupt file, an unknown pickle opcode or a global
// outside the allowed set (named in the message).
Checkpoint read_torch_checkpoint(const std::string& path);

}  // namespace grove::io
