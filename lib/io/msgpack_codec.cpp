#include "io/msgpack_codec.h"

#include <msgpack.hpp>

#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "io/file.h"

namespace grove::io {

ReadLimits ReadLimits::from_env() {
  ReadLimits l;
  auto get = [](const char* name, size_t& v) {
    if (const char* s = std::getenv(name); s && *s) {
      char* end = nullptr;
      unsigned long long x = std::strtoull(s, &end, 10);
      if (*end != '\0' || x == 0) throw Error(name, std::string("not a positive integer: ") + s);
      v = static_cast<size_t>(x);
    }
  };
  get("GROVE_MAX_RECORD_BYTES", l.max_record_bytes);
  get("GROVE_MAX_ELEMENTS", l.max_elements);
  get("GROVE_MAX_DEPTH", l.max_depth);
  return l;
}

// ---- encoding -------------------------------------------------------------------------------------------------

namespace {

struct StringBuffer {
  std::string& s;
  void write(const char* p, size_t n) { s.append(p, n); }
};

void pack(msgpack::packer<StringBuffer>& pk, StringBuffer& buf, const Record& r) {
  using T = Record::value_t;
  switch (r.type()) {
    case T::null: pk.pack_nil(); break;
    case T::boolean: r.get<bool>() ? pk.pack_true() : pk.pack_false(); break;
    case T::number_unsigned: pk.pack_uint64(r.get<uint64_t>()); break;
    case T::number_integer: pk.pack_int64(r.get<int64_t>()); break;
    case T::number_float: {
      // Always float 64: msgpack-c's pack_double writes integral values as integers, which would turn 1.0 into 1.
      uint64_t bits;
      double d = r.get<double>();
      std::memcpy(&bits, &d, 8);
      char b[9] = {static_cast<char>(0xcb)};
      for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
      buf.write(b, 9);
      break;
    }
    case T::string: {
      const auto& s = r.get_ref<const std::string&>();
      pk.pack_str(static_cast<uint32_t>(s.size()));
      pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
      break;
    }
    case T::binary: {
      const auto& b = r.get_binary();
      pk.pack_bin(static_cast<uint32_t>(b.size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
      break;
    }
    case T::array:
      pk.pack_array(static_cast<uint32_t>(r.size()));
      for (const auto& v : r) pack(pk, buf, v);
      break;
    case T::object:
      pk.pack_map(static_cast<uint32_t>(r.size()));
      for (const auto& [k, v] : r.items()) {
        pk.pack_str(static_cast<uint32_t>(k.size()));
        pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
        pack(pk, buf, v);
      }
      break;
    case T::discarded: throw std::logic_error("encode_msgpack: discarded JSON value");
  }
}

}  // namespace

void encode_msgpack(const Record& r, std::string& out) {
  StringBuffer buf{out};
  msgpack::packer<StringBuffer> pk(buf);
  pack(pk, buf, r);
}

// ---- decoding -------------------------------------------------------------------------------------------------

namespace {

// Converts a decoded msgpack object; 'where' names the input for errors.
Record to_record(const msgpack::object& o, const std::string& where, size_t offset) {
  switch (o.type) {
    case msgpack::type::NIL: return nullptr;
    case msgpack::type::BOOLEAN: return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER: return o.via.u64;
    case msgpack::type::NEGATIVE_INTEGER: return o.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return o.via.f64;
    case msgpack::type::STR: return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::BIN: {
      const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
      return Record::binary(std::vector<uint8_t>(p, p + o.via.bin.size));
    }
    case msgpack::type::ARRAY: {
      Record a = Record::array();
      a.get_ref<Record::array_t&>().reserve(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i) a.push_back(to_record(o.via.array.ptr[i], where, offset));
      return a;
    }
    case msgpack::type::MAP: {
      Record m = Record::object();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
          throw Error(where, "record at byte " + std::to_string(offset) + " has a map key that is not a string");
        }
        m[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = to_record(kv.val, where, offset);
      }
      return m;
    }
    case msgpack::type::EXT:
      throw Error(where, "record at byte " + std::to_string(offset) + " holds a msgpack extension type (" +
                             std::to_string(static_cast<int>(o.via.ext.type())) + "), which grove streams never use");
  }
  throw Error(where, "unknown msgpack type");
}

}  // namespace

struct MsgpackReader::Impl {
  InputFile& in;
  ReadLimits limits;
  msgpack::unpacker unp;
  size_t fed = 0;   // bytes handed to the unpacker so far
  size_t done = 0;  // end offset of the last complete value (the parser may consume a partial one's bytes)

  Impl(InputFile& f, const ReadLimits& l)
      : in(f),
        limits(l),
        unp(nullptr, nullptr, MSGPACK_UNPACKER_INIT_BUFFER_SIZE,
            msgpack::unpack_limit(l.max_elements, l.max_elements, l.max_record_bytes, l.max_record_bytes,
                                  l.max_record_bytes, l.max_depth)) {}
};

MsgpackReader::MsgpackReader(InputFile& in, const ReadLimits& limits)
    : impl_(std::make_unique<Impl>(in, limits)) {}
MsgpackReader::~MsgpackReader() = default;

bool MsgpackReader::next(Record& out) {
  Impl& d = *impl_;
  const std::string& where = d.in.name();
  for (;;) {
    const size_t start = d.done;
    msgpack::object_handle oh;
    bool got = false;
    try {
      got = d.unp.next(oh);
    } catch (const msgpack::depth_size_overflow& e) {
      throw Error(where, "record at byte " + std::to_string(start) + " is nested deeper than " +
                             std::to_string(d.limits.max_depth) + " levels");
    } catch (const msgpack::size_overflow& e) {
      throw Error(where, "record at byte " + std::to_string(start) + " exceeds a size limit (" + e.what() +
                             "); see GROVE_MAX_ELEMENTS, GROVE_MAX_RECORD_BYTES, GROVE_MAX_DEPTH");
    } catch (const std::exception& e) {
      throw Error(where, "invalid msgpack at byte " + std::to_string(start) + " (" + e.what() + ")");
    }
    if (got) {
      d.done = d.fed - d.unp.nonparsed_size();
      record_offset_ = start;
      out = to_record(oh.get(), where, start);
      return true;
    }
    if (d.fed - start > d.limits.max_record_bytes) {
      throw Error(where, "record at byte " + std::to_string(start) + " is larger than the limit of " +
                             std::to_string(d.limits.max_record_bytes) + " bytes (GROVE_MAX_RECORD_BYTES)");
    }
    d.unp.reserve_buffer(1 << 16);
    size_t n = d.in.read(d.unp.buffer(), d.unp.buffer_capacity());
    if (n == 0) {
      if (d.fed > start) {
        throw Error(where, "truncated stream: the record at byte " + std::to_string(start) + " is incomplete");
      }
      return false;
    }
    d.unp.buffer_consumed(n);
    d.fed += n;
  }
}

}  // namespace grove::io
