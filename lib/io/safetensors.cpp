#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "io/file.h"
#include "io/record.h"

namespace grove::io {

namespace {
constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

struct DTypeInfo {
  DType d;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
                                 {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                                 {DType::I16, "I16", 2},  {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
                                 {DType::Bool, "BOOL", 1}};
}  // namespace

size_t dtype_size(DType d) {
  for (const auto& i : kDTypes) {
    if (i.d == d) return i.size;
  }
  return 0;
}

const char* dtype_name(DType d) {
  for (const auto& i : kDTypes) {
    if (i.d == d) return i.name;
  }
  return "?";
}

std::optional<DType> parse_dtype(const std::string& name) {
  for (const auto& i : kDTypes) {
    if (name == i.name) return i.d;
  }
  return std::nullopt;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// ---- mapping --------------------------------------------------------------------------------------------------

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path, "not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw Error(path, std::string("cannot map: ") + std::strerror(err));
    }
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

// ---- reading --------------------------------------------------------------------------------------------------

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(std::make_shared<MappedFile>(path)) {
  const size_t size = file_->size();
  auto bad = [&](const std::string& what) { return Error(path, "not a valid safetensors file: " + what); };
  if (size < 8) throw bad("shorter than its 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file_->data()[i];
  if (n > kMaxHeader) throw bad("header length " + std::to_string(n) + " is over the 100 MB limit");
  if (n > size - 8) {
    throw bad("header claims " + std::to_string(n) + " bytes but the file holds " + std::to_string(size - 8));
  }
  Record header;
  try {
    header = Record::parse(file_->data() + 8, file_->data() + 8 + n);
  } catch (const nlohmann::json::exception&) {  // parse_error, and out_of_range for a number like 1e999
    throw bad("its header is not valid JSON");
  }
  if (!header.is_object()) throw bad("its header is not a JSON object");
  const uint8_t* base = file_->data() + 8 + n;
  const uint64_t data_size = size - 8 - n;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [key, entry] : header.items()) {
    const std::string& name = key;  // a lambda may not capture a structured binding (C++17; clang refuses)
    if (name == "__metadata__") {
      if (!entry.is_object()) throw bad("__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw bad("__metadata__ value of \"" + k + "\" is not a string");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    auto fail = [&](const std::string& what) { return bad("tensor \"" + name + "\": " + what); };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      throw fail("needs dtype, shape and data_offsets");
    }
    TensorView t;
    t.name = name;
    auto dt = entry["dtype"].is_string() ? parse_dtype(entry["dtype"].get<std::string>()) : std::nullopt;
    if (!dt) throw fail("unsupported dtype " + entry["dtype"].dump());
    t.dtype = *dt;
    const auto& shape = entry["shape"];
    const auto& offsets = entry["data_offsets"];
    if (!shape.is_array()) throw fail("shape is not an array");
    // span: the product of the non-zero dimensions, which bounds every partial product TensorView::numel()
    // makes (in int64) even when a zero dimension comes last.
    uint64_t numel = 1, span = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned()) throw fail("shape has a non-integer or negative dimension");
      uint64_t v = d.get<uint64_t>();
      if (v > static_cast<uint64_t>(INT64_MAX)) throw fail("shape has an absurd dimension");
      if (v != 0 && span > static_cast<uint64_t>(INT64_MAX) / v) throw fail("shape overflows");
      if (v != 0) span *= v;
      numel *= v;
      t.shape.push_back(static_cast<int64_t>(v));
    }
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw fail("data_offsets must be [begin, end]");
    }
    uint64_t b = offsets[0].get<uint64_t>(), e = offsets[1].get<uint64_t>();
    if (e < b || e > data_size) {
      throw fail("data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] lie outside the " +
                 std::to_string(data_size) + " data bytes (truncated file?)");
    }
    if (numel > UINT64_MAX / dtype_size(t.dtype) || e - b != numel * dtype_size(t.dtype)) {
      throw fail("holds " + std::to_string(e - b) + " bytes but its shape and dtype need " +
                 std::to_string(numel * dtype_size(t.dtype)));
    }
    t.data = base + b;
    t.nbytes = e - b;
    ranges.emplace_back(b, e);
    order_.push_back(name);
    tensors_.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) throw bad("two tensors' byte ranges overlap");
  }
  // Keep file order: the header is a JSON object, and nlohmann's ordered_json preserves it.
}

const TensorView& SafetensorsFile::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error(path(), "no tensor named \"" + name + "\"");
  return it->second;
}

ShardIndex read_shard_index(const std::string& path) {
  Record index;
  try {
    InputFile in(path);
    std::string text, chunk(1 << 16, '\0');
    for (size_t k; (k = in.read(chunk.data(), chunk.size())) > 0;) text.append(chunk.data(), k);
    index = Record::parse(text);
  } catch (const nlohmann::json::exception&) {  // parse_error, and out_of_range for a number like 1e999
    throw Error(path, "not valid JSON");
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw Error(path, "a shard index needs a \"weight_map\" object");
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  ShardIndex out;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (!shard.is_string() || shard.get<std::string>().find('/') != std::string::npos)
      throw Error(path, "weight_map entry \"" + tensor + "\" is not a file name");
    std::string file = (dir / shard.get<std::string>()).string();
    out.shard_of[tensor] = file;
    if (std::find(out.files.begin(), out.files.end(), file) == out.files.end()) out.files.push_back(file);
  }
  return out;
}

SafetensorsSet::SafetensorsSet(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p = path;
  if (fs::is_directory(p)) {
    if (fs::exists(p / "model.safetensors.index.json")) p /= "model.safetensors.index.json";
    else if (fs::exists(p / "model.safetensors")) p /= "model.safetensors";
    else throw Error(path, "no model.safetensors or model.safetensors.index.json in this directory");
  }
  ShardIndex index;
  if (p.extension() == ".json") index = read_shard_index(p.string());
  else index.files.push_back(p.string());
  for (const auto& s : index.files) files_.emplace_back(s);
  for (size_t i = 0; i < files_.size(); ++i) {
    for (const auto& name : files_[i].names()) {
      if (!where_.emplace(name, i).second) throw Error(files_[i].path(), "tensor \"" + name + "\" is in two shards");
      order_.push_back(name);
    }
  }
  for (const auto& [tensor, shard] : index.shard_of) {
    if (!where_.count(tensor)) throw Error(p.string(), "the index names \"" + tensor + "\" but " + shard + " lacks it");
  }
}

const TensorView& SafetensorsSet::get(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error(files_.empty() ? "" : files_.front().path(), "no tensor named \"" + name + "\"");
  return files_[it->second].get(name);
}

// ---- writing --------------------------------------------------------------------------------------------------

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata, const TensorFill& fill) {
  Record header = Record::object();
  if (!metadata.empty()) {
    header["__metadata__"] = Record::object();
    for (const auto& [k, v] : metadata) header["__metadata__"][k] = v;
  }
  // Larger elements first (stable otherwise, as the reference writer does): every tensor then starts at a multiple
  // of its element size, so views can be used in place, and the data has no holes, which readers require.
  std::vector<const TensorView*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [](const TensorView* a, const TensorView* b) { return dtype_size(a->dtype) > dtype_size(b->dtype); });
  uint64_t offset = 0;
  for (const TensorView* tp : order) {
    const TensorView& t = *tp;
    if (t.nbytes != static_cast<size_t>(t.numel()) * dtype_size(t.dtype)) {
      throw Error(path, "tensor \"" + t.name + "\" has " + std::to_string(t.nbytes) + " bytes for its shape");
    }
    if (header.contains(t.name)) throw Error(path, "tensor \"" + t.name + "\" given twice");
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));
  OutputFile out(path, OutputFile::Compression::None);
  out.write(len, 8);
  out.write(text);
  std::vector<uint8_t> buffer;
  for (const TensorView* t : order) {
    if (t->data || t->nbytes == 0) {
      out.write(t->data, t->nbytes);
      continue;
    }
    if (!fill) throw Error(path, "tensor \"" + t->name + "\" has no data");
    buffer.resize(t->nbytes);
    fill(*t, buffer.data());
    out.write(buffer.data(), buffer.size());
  }
  out.commit();
}

}  // namespace grove::io
