// The ZIP container of PyTorch's torch.save format, read in place: PyTorch stores every entry uncompressed (and
// 64-byte aligned), so an entry is a byte range of the memory-mapped file, and tensors can be used without copying
// a 13 GB checkpoint. ZIP64 (archives over 4 GB) is supported; compressed entries are refused with a clear error.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/safetensors.h"  // MappedFile

namespace grove::io {

class ZipArchive {
 public:
  // Maps PATH and reads its central directory; throws grove::Error(path, ...) when it is not a readable ZIP.
  explicit ZipArchive(const std::string& path);
  ZipArchive(std::shared_ptr<MappedFile> file);

  // True when the file starts with a ZIP local-header signature.
  static bool looks_like_zip(const MappedFile& file);

  const std::vector<std::string>& names() const { return order_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  // The bytes of an entry, inside the mapping. Throws grove::Error when absent or compressed.
  std::string_view get(const std::string& name) const;
  const std::shared_ptr<MappedFile>& mapping() const { return file_; }

 private:
  void read_directory();
  struct Entry {
    uint64_t data_offset, size;
    uint16_t method;
  };
  std::shared_ptr<MappedFile> file_;
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
};

}  // namespace grove::io
