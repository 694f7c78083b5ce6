// See pickle_writer.h. Little-endian hosts only, as the rest of grove's binary formats.
#include "io/pickle_writer.h"

#include <climits>
#include <cstring>

namespace grove::io {

PickleWriter::PickleWriter(int protocol) {
  out_ += '\x80';
  out_ += static_cast<char>(protocol);
}

void PickleWriter::global(const std::string& module, const std::string& name) { out_ += "c" + module + "\n" + name + "\n"; }
void PickleWriter::mark() { out_ += '('; }
void PickleWriter::tuple() { out_ += 't'; }
void PickleWriter::empty_tuple() { out_ += ')'; }
void PickleWriter::empty_list() { out_ += ']'; }
void PickleWriter::empty_dict() { out_ += '}'; }
void PickleWriter::appends() { out_ += 'e'; }
void PickleWriter::setitems() { out_ += 'u'; }
void PickleWriter::reduce() { out_ += 'R'; }
void PickleWriter::build() { out_ += 'b'; }
void PickleWriter::persid() { out_ += 'Q'; }
void PickleWriter::none() { out_ += 'N'; }
void PickleWriter::boolean(bool b) { out_ += b ? '\x88' : '\x89'; }

void PickleWriter::integer(int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) {
    int32_t x = static_cast<int32_t>(v);
    out_ += 'J';
    out_.append(reinterpret_cast<const char*>(&x), 4);
  } else {  // LONG1: 8 bytes of two's complement are always enough for an int64
    out_ += "\x8a\x08";
    out_.append(reinterpret_cast<const char*>(&v), 8);
  }
}

void PickleWriter::real(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  out_ += 'G';
  for (int k = 7; k >= 0; --k) out_ += static_cast<char>((bits >> (8 * k)) & 0xff);
}

void PickleWriter::string(const std::string& s) {
  out_ += 'X';
  uint32_t n = static_cast<uint32_t>(s.size());
  out_.append(reinterpret_cast<const char*>(&n), 4);
  out_ += s;
}

void PickleWriter::bytes(const std::string& b) {
  out_ += 'B';
  uint32_t n = static_cast<uint32_t>(b.size());
  out_.append(reinterpret_cast<const char*>(&n), 4);
  out_ += b;
}

void PickleWriter::float32_array(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  global("numpy.core.multiarray", "_reconstruct");
  mark();
  global("numpy", "ndarray");
  mark();
  integer(0);
  tuple();
  bytes("b");
  tuple();
  reduce();
  mark();  // state: (1, shape, dtype, is_fortran, raw data)
  integer(1);
  mark();
  for (int64_t s : shape) integer(s);
  tuple();
  global("numpy", "dtype");
  mark();
  string("f4");
  boolean(false);
  boolean(true);
  tuple();
  reduce();
  mark();  // the dtype's state: (3, '<', None, None, None, -1, -1, 0)
  integer(3);
  string("<");
  none();
  none();
  none();
  integer(-1);
  integer(-1);
  integer(0);
  tuple();
  build();
  boolean(false);
  bytes(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  tuple();
  build();
}

std::string PickleWriter::finish() {
  out_ += '.';
  return std::move(out_);
}

}  // namespace grove::io
