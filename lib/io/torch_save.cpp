#include "io/torch_save.h"

#include "io/pickle_writer.h"

#include <zlib.h>

#include <cstring>

#include "core/error.h"
#include "io/file.h"

namespace grove::io {

namespace {

const char* storage_class(DType d) {
  switch (d) {
    case DType::F64: return "DoubleStorage";
    case DType::F32: return "FloatStorage";
    case DType::F16: return "HalfStorage";
    case DType::BF16: return "BFloat16Storage";
    case DType::I64: return "LongStorage";
    case DType::I32: return "IntStorage";
    case DType::I16: return "ShortStorage";
    case DType::I8: return "CharStorage";
    case DType::U8: return "ByteStorage";
    case DType::Bool: return "BoolStorage";
  }
  return "FloatStorage";
}

std::string state_dict_pickle(const std::vector<TensorView>& tensors) {
  PickleWriter p(2);
  p.global("collections", "OrderedDict");
  p.empty_tuple();
  p.reduce();
  p.mark();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView& t = tensors[i];
    p.string(t.name);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark();  // persistent id: ('storage', storage type, key, location, numel)
    p.string("storage");
    p.global("torch", storage_class(t.dtype));
    p.string(std::to_string(i));
    p.string("cpu");
    p.integer(t.numel());
    p.tuple();
    p.persid();
    p.integer(0);  // storage offset
    p.mark();
    for (int64_t s : t.shape) p.integer(s);
    p.tuple();
    p.mark();  // contiguous strides
    std::vector<int64_t> strides(t.shape.size(), 1);
    for (size_t d = t.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * t.shape[d];
    for (int64_t s : strides) p.integer(s);
    p.tuple();
    p.boolean(false);  // requires_grad
    p.global("collections", "OrderedDict");
    p.empty_tuple();
    p.reduce();  // backward hooks
    p.tuple();
    p.reduce();
  }
  p.setitems();
  return p.finish();
}

// A ZIP writer for stored (uncompressed) entries, aligned as PyTorch aligns them, with ZIP64 where needed.
class ZipWriter {
 public:
  explicit ZipWriter(OutputFile& out) : out_(out) {}

  void add(const std::string& name, const void* data, uint64_t size) {
    Entry e{name, pos_, size, static_cast<uint32_t>(crc32(0L, Z_NULL, 0))};
    // crc32 takes a uInt length: feed large entries in pieces.
    const auto* p = static_cast<const Bytef*>(data);
    for (uint64_t done = 0; done < size;) {
      uInt n = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
      e.crc = static_cast<uint32_t>(crc32(e.crc, p + done, n));
      done += n;
    }
    const bool z64 = size >= 0xffffffffu || pos_ >= 0xffffffffu;
    std::string extra;
    if (z64) {
      put16(extra, 0x0001);
      put16(extra, 16);
      put64(extra, size);
      put64(extra, size);
    }
    // Pad with an 'FB' extra field so the data starts on a 64-byte boundary, as torch.save does.
    const uint64_t header = 30 + name.size() + extra.size();
    uint64_t pad = (64 - (pos_ + header + 4) % 64) % 64;
    put16(extra, 0x4246);
    put16(extra, static_cast<uint16_t>(pad));
    extra.append(pad, 'Z');

    std::string h;
    put32(h, 0x04034b50);
    put16(h, z64 ? 45 : 20);
    put16(h, 0);  // flags
    put16(h, 0);  // stored
    put16(h, 0);  // time
    put16(h, 0x21);  // date 1980-01-01
    put32(h, e.crc);
    put32(h, z64 ? 0xffffffffu : static_cast<uint32_t>(size));
    put32(h, z64 ? 0xffffffffu : static_cast<uint32_t>(size));
    put16(h, static_cast<uint16_t>(name.size()));
    put16(h, static_cast<uint16_t>(extra.size()));
    h += name;
    h += extra;
    emit(h.data(), h.size());
    emit(data, size);
    entries_.push_back(e);
  }

  void finish() {
    const uint64_t cd_start = pos_;
    for (const Entry& e : entries_) {
      const bool z64 = e.size >= 0xffffffffu || e.offset >= 0xffffffffu;
      std::string extra;
      if (z64) {
        put16(extra, 0x0001);
        put16(extra, 24);
        put64(extra, e.size);
        put64(extra, e.size);
        put64(extra, e.offset);
      }
      std::string h;
      put32(h, 0x02014b50);
      put16(h, z64 ? 45 : 20);  // made by
      put16(h, z64 ? 45 : 20);  // needed
      put16(h, 0);
      put16(h, 0);
      put16(h, 0);
      put16(h, 0x21);
      put32(h, e.crc);
      put32(h, z64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
      put32(h, z64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
      put16(h, static_cast<uint16_t>(e.name.size()));
      put16(h, static_cast<uint16_t>(extra.size()));
      put16(h, 0);  // comment
      put16(h, 0);  // disk
      put16(h, 0);  // internal attributes
      put32(h, 0);  // external attributes
      put32(h, z64 ? 0xffffffffu : static_cast<uint32_t>(e.offset));
      h += e.name;
      h += extra;
      emit(h.data(), h.size());
    }
    const uint64_t cd_size = pos_ - cd_start, n = entries_.size();
    const bool z64 = cd_start >= 0xffffffffu || n >= 0xffff;
    std::string t;
    if (z64) {
      const uint64_t eocd64 = pos_;
      put32(t, 0x06064b50);
      put64(t, 44);
      put16(t, 45);
      put16(t, 45);
      put32(t, 0);
      put32(t, 0);
      put64(t, n);
      put64(t, n);
      put64(t, cd_size);
      put64(t, cd_start);
      put32(t, 0x07064b50);  // locator
      put32(t, 0);
      put64(t, eocd64);
      put32(t, 1);
    }
    put32(t, 0x06054b50);
    put16(t, 0);
    put16(t, 0);
    put16(t, z64 ? 0xffff : static_cast<uint16_t>(n));
    put16(t, z64 ? 0xffff : static_cast<uint16_t>(n));
    put32(t, z64 ? 0xffffffffu : static_cast<uint32_t>(cd_size));
    put32(t, z64 ? 0xffffffffu : static_cast<uint32_t>(cd_start));
    put16(t, 0);
    emit(t.data(), t.size());
  }

 private:
  struct Entry {
    std::string name;
    uint64_t offset, size;
    uint32_t crc;
  };
  static void put16(std::string& s, uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); }
  static void put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
  static void put64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
  void emit(const void* p, uint64_t n) {
    out_.write(p, n);
    pos_ += n;
  }
  OutputFile& out_;
  uint64_t pos_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace

void write_torch_state_dict(const std::string& path, const std::vector<TensorView>& tensors,
                            const std::string& archive) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the writer emits little-endian fields");
  OutputFile out(path, OutputFile::Compression::None);
  ZipWriter zip(out);
  const std::string pkl = state_dict_pickle(tensors);
  zip.add(archive + "/data.pkl", pkl.data(), pkl.size());
  zip.add(archive + "/byteorder", "little", 6);
  for (size_t i = 0; i < tensors.size(); ++i)
    zip.add(archive + "/data/" + std::to_string(i), tensors[i].data, tensors[i].nbytes);
  zip.add(archive + "/version", "3\n", 2);
  zip.finish();
  out.commit();
}

}  // namespace grove::io
