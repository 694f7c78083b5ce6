#include "io/msgpack_codec.h"

#include <msgpack.hpp>

#include <cstdlib>
#include <cstring>
#include <vector>

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
  size_t scanned = 0;            // how far whole_value() has come into the unparsed bytes,
  uint64_t pending = 1;          // how many values it still has to pass,
  std::vector<uint64_t> left{1};  // and how many at each level open there (the record, then its containers)

  Impl(InputFile& f, const ReadLimits& l)
      : in(f),
        limits(l),
        unp(nullptr, nullptr, MSGPACK_UNPACKER_INIT_BUFFER_SIZE,
            msgpack::unpack_limit(l.max_elements, l.max_elements, l.max_record_bytes, l.max_record_bytes,
                                  l.max_record_bytes, l.max_depth)) {}
};

namespace {

// Whether the unparsed bytes hold a whole value yet, scanning on from where the last call stopped. msgpack-c
// allocates a container's elements as soon as it reads the container's header (24 bytes each: a 5-byte header
// claiming 4M elements costs 96 MB, and headers nest), so it is only handed whole values, where every element
// stands on at least one byte. Counts, lengths and nesting over the limits are refused here, before any
// allocation, with msgpack-c's messages.
bool whole_value(const std::string& where, size_t start, size_t& scanned, uint64_t& pending,
                 std::vector<uint64_t>& left, msgpack::unpacker& unp, const ReadLimits& limits) {
  const auto* p = reinterpret_cast<const uint8_t*>(unp.nonparsed_buffer());
  const size_t n = unp.nonparsed_size();
  const std::string at = "record at byte " + std::to_string(start);
  auto too_large = [&](const std::string& what) {
    return Error(where, at + " exceeds a size limit (" + what +
                            "); see GROVE_MAX_ELEMENTS, GROVE_MAX_RECORD_BYTES, GROVE_MAX_DEPTH");
  };
  while (!left.empty()) {
    if (left.back() == 0) {
      left.pop_back();
      continue;
    }
    if (scanned >= n) return false;
    const uint8_t b = p[scanned];
    size_t head = 1, size_bytes = 0;  // the header's length, and how many of its bytes give a count or length
    uint64_t payload = 0, children = 0;
    bool is_map = false, is_array = false;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      // fixint, nil, false, true
    } else if (b <= 0x8f) {
      children = 2 * (b & 0x0f);
    } else if (b <= 0x9f) {
      children = b & 0x0f;
    } else if (b <= 0xbf) {
      payload = b & 0x1f;
    } else {
      switch (b) {
        case 0xc4: case 0xd9: size_bytes = 1; break;            // bin 8, str 8
        case 0xc5: case 0xda: size_bytes = 2; break;            // bin 16, str 16
        case 0xc6: case 0xdb: size_bytes = 4; break;            // bin 32, str 32
        case 0xc7: size_bytes = 1; payload = 1; break;          // ext 8 (+ its type byte)
        case 0xc8: size_bytes = 2; payload = 1; break;          // ext 16
        case 0xc9: size_bytes = 4; payload = 1; break;          // ext 32
        case 0xca: payload = 4; break;                          // float 32
        case 0xcb: payload = 8; break;                          // float 64
        case 0xcc: case 0xd0: payload = 1; break;               // uint 8, int 8
        case 0xcd: case 0xd1: payload = 2; break;
        case 0xce: case 0xd2: payload = 4; break;
        case 0xcf: case 0xd3: payload = 8; break;
        case 0xd4: payload = 2; break;                          // fixext 1 (+ its type byte)
        case 0xd5: payload = 3; break;
        case 0xd6: payload = 5; break;
        case 0xd7: payload = 9; break;
        case 0xd8: payload = 17; break;
        case 0xdc: size_bytes = 2; is_array = true; break;      // array 16
        case 0xdd: size_bytes = 4; is_array = true; break;      // array 32
        case 0xde: size_bytes = 2; is_map = true; break;        // map 16
        case 0xdf: size_bytes = 4; is_map = true; break;        // map 32
        default: throw Error(where, "invalid msgpack at byte " + std::to_string(start) + " (parse error)");  // 0xc1
      }
    }
    head += size_bytes;
    if (n - scanned < head) return false;
    uint64_t count = 0;
    for (size_t i = 1; i < head; ++i) count = (count << 8) | p[scanned + i];
    if (is_array || is_map) {
      if (count > limits.max_elements) throw too_large(is_map ? "map size overflow" : "array size overflow");
      children = is_map ? 2 * count : count;
    } else if (size_bytes > 0) {
      if (count > limits.max_record_bytes) throw too_large("str, bin or ext size overflow");
      payload += count;
    }
    if (n - scanned - head < payload) return false;
    scanned += head + payload;
    --left.back();
    if (children > 0) {
      if (left.size() > limits.max_depth) {
        throw Error(where, at + " is nested deeper than " + std::to_string(limits.max_depth) + " levels");
      }
      left.push_back(children);
    }
    // Every value still to come needs a byte of its own.
    if (__builtin_add_overflow(pending - 1, children, &pending) || pending > limits.max_record_bytes) {
      throw too_large("more values than bytes allowed");
    }
  }
  return true;
}

}  // namespace

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
      if (whole_value(where, start, d.scanned, d.pending, d.left, d.unp, d.limits)) {
        got = d.unp.next(oh);
        if (!got) throw std::runtime_error("a whole value did not parse");
        d.scanned = 0;
        d.pending = 1;
        d.left.assign(1, 1);
      }
    } catch (const Error&) {
      throw;
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
