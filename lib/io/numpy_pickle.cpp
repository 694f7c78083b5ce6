// See numpy_pickle.h.
#include "io/numpy_pickle.h"

#include <cmath>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "core/utf8.h"
#include "io/limits.h"

namespace grove::io {

namespace {

struct DType {
  char kind = 'f';
  int itemsize = 4;
  char order = '<';
};

DType parse_dtype(const std::string& code, const std::string& where) {
  // np.dtype's constructor argument as pickled: "f4", "i8", "b1", "U7", "S5", "O8", "u1", "f2".
  if (code.empty()) throw Error(where, "numpy dtype without a code");
  DType d;
  d.kind = code[0];
  if (std::string("biufUSO").find(d.kind) == std::string::npos) {
    throw Error(where, "numpy arrays of dtype '" + code + "' are not read here");
  }
  int n = 0;
  for (size_t i = 1; i < code.size(); ++i) {
    if (code[i] < '0' || code[i] > '9') throw Error(where, "numpy dtype '" + code + "' is not read here");
    n = n * 10 + (code[i] - '0');
    if (n > (1 << 20)) throw Error(where, "numpy dtype '" + code + "' is too wide");
  }
  if (d.kind == 'U') d.itemsize = 4 * n;
  else if (d.kind == 'O') d.itemsize = 8;
  else d.itemsize = n;
  d.order = (d.itemsize <= 1 || d.kind == 'S' || d.kind == 'O') ? '|' : '<';
  return d;
}

double read_number(const char* p, const DType& d, const std::string& where) {
  switch (d.kind) {
    case 'b': return *p ? 1.0 : 0.0;
    case 'i': {
      if (d.itemsize == 1) { int8_t v; std::memcpy(&v, p, 1); return v; }
      if (d.itemsize == 2) { int16_t v; std::memcpy(&v, p, 2); return v; }
      if (d.itemsize == 4) { int32_t v; std::memcpy(&v, p, 4); return v; }
      if (d.itemsize == 8) { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
      break;
    }
    case 'u': {
      if (d.itemsize == 1) { uint8_t v; std::memcpy(&v, p, 1); return v; }
      if (d.itemsize == 2) { uint16_t v; std::memcpy(&v, p, 2); return v; }
      if (d.itemsize == 4) { uint32_t v; std::memcpy(&v, p, 4); return v; }
      if (d.itemsize == 8) { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
      break;
    }
    case 'f': {
      if (d.itemsize == 8) { double v; std::memcpy(&v, p, 8); return v; }
      if (d.itemsize == 4) { float v; std::memcpy(&v, p, 4); return v; }
      if (d.itemsize == 2) {  // IEEE half
        uint16_t h;
        std::memcpy(&h, p, 2);
        const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
        double v = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(m + 1024, e - 25);
        return (h & 0x8000) ? -v : v;
      }
      break;
    }
  }
  throw Error(where, std::string("numpy arrays of dtype ") + d.kind + std::to_string(d.itemsize) + " are not read here");
}

std::string read_string(const char* p, const DType& d) {
  std::string out;
  if (d.kind == 'S') {
    out.assign(p, d.itemsize);
  } else {
    for (int i = 0; i + 3 < d.itemsize; i += 4) {
      uint32_t c;
      std::memcpy(&c, p + i, 4);
      utf8_append(static_cast<char32_t>(c), out);
    }
  }
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

// Fills a from raw C-order bytes of dtype d.
void fill(NumpyArray& a, const DType& d, const std::string& raw, const std::string& where) {
  if (d.order == '>' ) throw Error(where, "big-endian numpy arrays are not read here");
  const int64_t n = a.size();  // shape_of() checked that it fits
  uint64_t bytes;
  if (d.itemsize <= 0) throw Error(where, "numpy arrays of a dtype without width are not read here");
  if (n < 0 || __builtin_mul_overflow(static_cast<uint64_t>(n), static_cast<uint64_t>(d.itemsize), &bytes) ||
      raw.size() != bytes) {
    throw Error(where, "numpy array data of the wrong size");
  }
  a.kind = d.kind;
  a.itemsize = d.itemsize;
  for (int64_t i = 0; i < n; ++i) {
    const char* p = raw.data() + i * d.itemsize;
    if (d.kind == 'U' || d.kind == 'S') a.strings.push_back(read_string(p, d));
    else a.numbers.push_back(read_number(p, d, where));
  }
}

// A shape whose size fits in int64 (so the array's data, of that many elements, is what bounds it), and which,
// when it has a zero dimension, has at most max_rows (GROVE_MAX_ELEMENTS) empty rows before it: an empty array
// of shape (2**40, 0) holds no data, but its rows would still be made one by one.
std::vector<int64_t> shape_of(const PyRef& t, size_t max_rows, const std::string& where) {
  std::vector<int64_t> shape;
  if (t->type == PyObject::Type::Int) {
    shape.push_back(t->i);
  } else if (t->type == PyObject::Type::Tuple || t->type == PyObject::Type::List) {
    for (const auto& d : t->items) {
      if (d->type != PyObject::Type::Int) throw Error(where, "bad numpy shape");
      shape.push_back(d->i);
    }
  } else {
    throw Error(where, "bad numpy shape");
  }
  int64_t rows = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(where, "bad numpy shape");
    if (d == 0) {
      if (static_cast<uint64_t>(rows) > max_rows) throw Error(where, "numpy array with too many empty rows");
      break;
    }
    if (__builtin_mul_overflow(rows, d, &rows)) throw Error(where, "numpy shape too large");
  }
  return shape;
}

const DType& dtype_of(const PyRef& v, const std::string& where) {
  if (v->type != PyObject::Type::Opaque || v->opaque_kind != "numpy.dtype") {
    throw Error(where, "expected a numpy dtype, found " + v->describe());
  }
  return *std::static_pointer_cast<DType>(v->opaque);
}

}  // namespace

int64_t NumpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

PickleHooks numpy_pickle_hooks(const std::string& where) {
  PickleHooks hooks;
  for (const char* core : {"numpy.core", "numpy._core"}) {
    hooks.allowed_globals.push_back(std::string(core) + ".multiarray._reconstruct");
    hooks.allowed_globals.push_back(std::string(core) + ".multiarray.scalar");
    hooks.allowed_globals.push_back(std::string(core) + ".numeric._frombuffer");
  }
  for (const char* g : {"numpy.ndarray", "numpy.dtype", "_codecs.encode", "__builtin__.bytes", "builtins.bytes",
                        "builtins.bytearray", "__builtin__.bytearray"}) {
    hooks.allowed_globals.push_back(g);
  }
  const size_t max_rows = ReadLimits::from_env().max_elements;
  hooks.call = [where, max_rows](const std::string& g, const PyRef& args) -> PyRef {
    auto arg = [&](size_t i) -> const PyRef& {
      if (args->type != PyObject::Type::Tuple || args->items.size() <= i) throw Error(where, g + ": too few arguments");
      return args->items[i];
    };
    if (g == "numpy.ndarray") return PyObject::global("numpy", "ndarray");
    if (g == "__builtin__.bytes" || g == "builtins.bytes" || g == "builtins.bytearray" ||
        g == "__builtin__.bytearray") {
      if (args->items.empty()) return PyObject::bytes("");
      return PyObject::bytes(arg(0)->s);
    }
    if (g == "_codecs.encode") {  // protocol 2 bytes: _codecs.encode(latin-1 text as UTF-8, 'latin1')
      std::string out;
      const std::string& s = arg(0)->s;
      for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) out += static_cast<char>(c);
        else if (i + 1 < s.size()) out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
      }
      return PyObject::bytes(out);
    }
    if (g == "numpy.dtype") {
      auto d = std::make_shared<DType>(parse_dtype(arg(0)->s, where));
      return PyObject::make_opaque("numpy.dtype", d);
    }
    if (g.size() > 7 && g.compare(g.size() - 7, 7, ".scalar") == 0) {  // numpy scalar: scalar(dtype, bytes)
      const DType& d = dtype_of(arg(0), where);
      if (d.kind == 'O') return arg(1);
      const std::string& raw = arg(1)->s;
      if (static_cast<int>(raw.size()) != d.itemsize) throw Error(where, "numpy scalar of the wrong size");
      if (d.kind == 'U' || d.kind == 'S') return PyObject::string(read_string(raw.data(), d));
      double v = read_number(raw.data(), d, where);
      if (d.kind == 'b') return PyObject::boolean(v != 0);
      if (d.kind == 'f') return PyObject::real(v);
      return PyObject::integer(numpy_int(v, where));
    }
    auto a = std::make_shared<NumpyArray>();
    if (g.size() > 11 && g.compare(g.size() - 11, 11, "_frombuffer") == 0) {  // protocol 5: (buf, dtype, shape, order)
      const DType& d = dtype_of(arg(1), where);
      a->shape = shape_of(arg(2), max_rows, where);
      if (arg(3)->s == "F" && a->shape.size() > 1) throw Error(where, "Fortran-ordered numpy arrays are not read here");
      fill(*a, d, arg(0)->s, where);
      return PyObject::make_opaque("ndarray", a);
    }
    // _reconstruct(ndarray, (0,), b'b'): an empty array of shape (0,), as numpy makes it, until BUILD gives the
    // content (a pickle may leave BUILD out: the array stays empty, not a 0-d array without its element).
    a->shape = {0};
    return PyObject::make_opaque("ndarray", a);
  };
  hooks.build = [where, max_rows](const PyRef& obj, const PyRef& state) {
    if (obj->opaque_kind == "numpy.dtype") {  // (version, byte order, subarray, names, fields, elsize, alignment, flags)
      auto& d = *std::static_pointer_cast<DType>(obj->opaque);
      if (state->items.size() > 1 && state->items[1]->type == PyObject::Type::String && !state->items[1]->s.empty()) {
        d.order = state->items[1]->s[0];
      }
      if (state->items.size() > 5 && state->items[5]->type == PyObject::Type::Int && state->items[5]->i > 0 &&
          (d.kind == 'U' || d.kind == 'S')) {
        d.itemsize = static_cast<int>(state->items[5]->i);
      }
      if (state->items.size() > 3 && state->items[3]->type != PyObject::Type::None) {
        throw Error(where, "structured numpy dtypes are not read here");
      }
      return;
    }
    if (obj->opaque_kind != "ndarray") throw Error(where, "BUILD on " + obj->opaque_kind);
    // (version, shape, dtype, is_fortran, raw bytes or, for object arrays, a list)
    if (state->type != PyObject::Type::Tuple || state->items.size() != 5) throw Error(where, "unexpected numpy array state");
    auto& a = *std::static_pointer_cast<NumpyArray>(obj->opaque);
    a.shape = shape_of(state->items[1], max_rows, where);
    const DType& d = dtype_of(state->items[2], where);
    const PyRef& fortran = state->items[3];
    if ((fortran->type == PyObject::Type::Bool ? fortran->b : fortran->i != 0) && a.shape.size() > 1) {
      throw Error(where, "Fortran-ordered numpy arrays are not read here");
    }
    const PyRef& raw = state->items[4];
    if (d.kind == 'O') {
      a.kind = 'O';
      a.itemsize = 8;
      if (raw->type != PyObject::Type::List || static_cast<int64_t>(raw->items.size()) != a.size()) {
        throw Error(where, "numpy object array with the wrong number of elements");
      }
      a.objects = raw->items;
      obj->items = raw->items;  // listed on the value too, so that unpickle and release() see them (pickle.h)
      return;
    }
    fill(a, d, raw->s, where);
  };
  return hooks;
}

PyRef unpickle_with_numpy(std::string_view data, const std::string& where) {
  return unpickle(data, numpy_pickle_hooks(where), where);
}

int64_t numpy_int(double v, const std::string& where) {
  if (!(v >= -0x1p63 && v < 0x1p63)) throw Error(where, "numpy integer " + std::to_string(v) + " does not fit in int64");
  return static_cast<int64_t>(v);
}

const NumpyArray* as_numpy(const PyRef& v) {
  if (!v || v->type != PyObject::Type::Opaque || v->opaque_kind != "ndarray") return nullptr;
  return static_cast<const NumpyArray*>(v->opaque.get());
}

double py_number(const PyRef& v, const std::string& where) {
  switch (v->type) {
    case PyObject::Type::Int: return static_cast<double>(v->i);
    case PyObject::Type::Float: return v->f;
    case PyObject::Type::Bool: return v->b ? 1 : 0;
    default: break;
  }
  if (const NumpyArray* a = as_numpy(v)) {
    if (a->numbers.size() == 1) return a->numbers[0];
  }
  throw Error(where, "expected a number, found " + v->describe());
}

std::string py_string(const PyRef& v, const std::string& where) {
  if (v->type == PyObject::Type::String || v->type == PyObject::Type::Bytes) return v->s;
  if (const NumpyArray* a = as_numpy(v)) {
    if (a->strings.size() == 1 && a->shape.empty()) return a->strings[0];
  }
  throw Error(where, "expected a string, found " + v->describe());
}

std::vector<PyRef> py_sequence(const PyRef& v, const std::string& where) {
  if (v->type == PyObject::Type::List || v->type == PyObject::Type::Tuple) return v->items;
  const NumpyArray* a = as_numpy(v);
  if (!a) throw Error(where, "expected a list, found " + v->describe());
  if (a->shape.empty()) throw Error(where, "expected a list, found a 0-d numpy array");
  std::vector<PyRef> out;
  const int64_t rows = a->shape[0];
  const int64_t per_row = rows ? a->size() / rows : 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (a->kind == 'O') {
      if (a->shape.size() != 1) throw Error(where, "multi-dimensional numpy object arrays are not read here");
      out.push_back(a->objects[r]);
    } else if (a->kind == 'U' || a->kind == 'S') {
      if (a->shape.size() != 1) throw Error(where, "multi-dimensional numpy string arrays are not read here");
      out.push_back(PyObject::string(a->strings[r]));
    } else if (a->shape.size() == 1) {
      out.push_back(PyObject::real(a->numbers[r]));
    } else {
      std::vector<PyRef> row;
      for (int64_t i = 0; i < per_row; ++i) row.push_back(PyObject::real(a->numbers[r * per_row + i]));
      out.push_back(PyObject::list(std::move(row)));
    }
  }
  return out;
}

std::vector<double> py_numbers(const PyRef& v, const std::string& where) {
  if (const NumpyArray* a = as_numpy(v)) {
    if (a->kind == 'U' || a->kind == 'S' || a->kind == 'O') throw Error(where, "expected numbers, found a numpy string array");
    return a->numbers;
  }
  std::vector<double> out;
  for (const auto& x : py_sequence(v, where)) out.push_back(py_number(x, where));
  return out;
}

}  // namespace grove::io
