#include "io/zip.h"

#include <cstring>

#include "core/error.h"

namespace grove::io {

namespace {
uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

ZipArchive::ZipArchive(const std::string& path) : ZipArchive(std::make_shared<MappedFile>(path)) {}

ZipArchive::ZipArchive(std::shared_ptr<MappedFile> file) : file_(std::move(file)) { read_directory(); }

bool ZipArchive::looks_like_zip(const MappedFile& f) {
  return f.size() >= 4 && std::memcmp(f.data(), "PK\x03\x04", 4) == 0;
}

void ZipArchive::read_directory() {
  const uint8_t* d = file_->data();
  const uint64_t size = file_->size();
  auto bad = [&](const std::string& what) { return Error(file_->path(), "not a readable ZIP archive: " + what); };
  if (size < 22) throw bad("too short");
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  uint64_t eocd = UINT64_MAX;
  for (uint64_t p = size - 22;; --p) {
    if (le(d + p, 4) == 0x06054b50) {
      eocd = p;
      break;
    }
    if (p == 0 || size - p > 65557) break;
  }
  if (eocd == UINT64_MAX) throw bad("no end-of-central-directory record (truncated file?)");
  uint64_t count = le(d + eocd + 10, 2), cd_size = le(d + eocd + 12, 4), cd_offset = le(d + eocd + 16, 4);
  if (count == 0xffff || cd_offset == 0xffffffff || cd_size == 0xffffffff) {  // ZIP64
    if (eocd < 20 || le(d + eocd - 20, 4) != 0x07064b50) throw bad("ZIP64 locator missing");
    uint64_t z = le(d + eocd - 20 + 8, 8);
    if (size < 56 || z > size - 56 || le(d + z, 4) != 0x06064b50) throw bad("ZIP64 end record missing");
    count = le(d + z + 32, 8);
    cd_size = le(d + z + 40, 8);
    cd_offset = le(d + z + 48, 8);
  }
  if (cd_offset > size || cd_size > size - cd_offset) throw bad("central directory lies outside the file");
  uint64_t p = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > cd_offset + cd_size || le(d + p, 4) != 0x02014b50) throw bad("corrupt central directory");
    uint16_t method = static_cast<uint16_t>(le(d + p + 10, 2));
    uint64_t csize = le(d + p + 20, 4), usize = le(d + p + 24, 4);
    uint64_t name_len = le(d + p + 28, 2), extra_len = le(d + p + 30, 2), comment_len = le(d + p + 32, 2);
    uint64_t local = le(d + p + 42, 4);
    if (p + 46 + name_len + extra_len + comment_len > cd_offset + cd_size) throw bad("corrupt central directory");
    std::string name(reinterpret_cast<const char*>(d + p + 46), name_len);
    // ZIP64 extra field: the 0xffffffff fields, in order usize, csize, local offset.
    for (uint64_t e = p + 46 + name_len; e + 4 <= p + 46 + name_len + extra_len;) {
      uint64_t id = le(d + e, 2), len = le(d + e + 2, 2), q = e + 4;
      if (len > p + 46 + name_len + extra_len - (e + 4)) throw bad("corrupt extra field in entry " + name);
      if (id == 0x0001) {
        if (usize == 0xffffffff && q + 8 <= e + 4 + len) usize = le(d + q, 8), q += 8;
        if (csize == 0xffffffff && q + 8 <= e + 4 + len) csize = le(d + q, 8), q += 8;
        if (local == 0xffffffff && q + 8 <= e + 4 + len) local = le(d + q, 8), q += 8;
      }
      e += 4 + len;
    }
    if (local > size - 30 || le(d + local, 4) != 0x04034b50) throw bad("entry " + name + " has no local header");
    uint64_t data = local + 30 + le(d + local + 26, 2) + le(d + local + 28, 2);
    if (data > size || csize > size - data) throw bad("entry " + name + " runs past the end of the file (truncated?)");
    entries_[name] = Entry{data, method == 0 ? usize : csize, method};
    if (method == 0 && usize != csize) throw bad("entry " + name + " is stored with inconsistent sizes");
    order_.push_back(name);
    p += 46 + name_len + extra_len + comment_len;
  }
}

std::string_view ZipArchive::get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(file_->path(), "the archive has no entry " + name);
  if (it->second.method != 0) {
    throw Error(file_->path(), "entry " + name + " is compressed (method " + std::to_string(it->second.method) +
                                   "); PyTorch checkpoints store entries uncompressed");
  }
  return {reinterpret_cast<const char*>(file_->data() + it->second.data_offset), it->second.size};
}

}  // namespace grove::io
