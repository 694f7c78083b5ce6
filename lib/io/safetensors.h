// safetensors (the Hugging Face weight format): an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the bytes. Files are memory-mapped and tensors are views into the
// mapping, so opening a 13 GB checkpoint costs neither 13 GB of memory nor the time to read it; sharded models
// (model.safetensors.index.json) open as one set. Every offset and size is checked before anything is used.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace grove::io {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

size_t dtype_size(DType d);
// The safetensors spelling: "F32", "BF16", "BOOL", ...
const char* dtype_name(DType d);
std::optional<DType> parse_dtype(const std::string& name);

// A read-only memory mapping of a whole file, shared by the views into it.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws grove::Error naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // into the mapping (or the caller's memory, for writing)
  size_t nbytes = 0;
  int64_t numel() const;
};

class SafetensorsFile {
 public:
  // Maps PATH and validates its header: known dtypes, sizes that match shapes, byte ranges inside the file that
  // cover the data without overlap. Throws grove::Error(path, what is wrong).
  explicit SafetensorsFile(const std::string& path);

  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Tensor names in file order.
  const std::vector<std::string>& names() const { return order_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws grove::Error when absent.
  const TensorView& get(const std::string& name) const;
  const std::shared_ptr<MappedFile>& mapping() const { return file_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::shared_ptr<MappedFile> file_;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, TensorView> tensors_;
  std::vector<std::string> order_;
};

// A Hugging Face shard index (model.safetensors.index.json, pytorch_model.bin.index.json): its "weight_map" of
// tensor -> shard file, shard paths resolved beside the index, and the shard files in first-use order. Throws
// grove::Error for invalid JSON, a missing weight_map, or a shard that is not a plain file name.
struct ShardIndex {
  std::map<std::string, std::string> shard_of;
  std::vector<std::string> files;
};
ShardIndex read_shard_index(const std::string& path);

// One safetensors file, or the shards a model.safetensors.index.json names, as one set of tensors.
class SafetensorsSet {
 public:
  // PATH is a .safetensors file, an index .json, or a directory holding model.safetensors or its index.
  explicit SafetensorsSet(const std::string& path);
  const std::vector<std::string>& names() const { return order_; }
  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  const TensorView& get(const std::string& name) const;
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> where_;
  std::vector<std::string> order_;
};

// Fills a tensor's bytes when it is written (for tensors given with data == nullptr): lets a writer produce
// weights larger than memory one tensor at a time.
using TensorFill = std::function<void(const TensorView& t, uint8_t* dst)>;

// Writes tensors and metadata as a safetensors file, atomically (temporary name, rename). Tensors are stored by
// element size, largest first, in the given order otherwise, so each starts aligned to its element size.
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata = {}, const TensorFill& fill = {});

}  // namespace grove::io
