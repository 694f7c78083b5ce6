// Pickles that hold numpy values, read by the restricted pickle machine (pickle.h): the annotation and prediction
// pickles of the original code are dicts and lists of str, int, float, numpy arrays and numpy scalars. Arrays are
// rebuilt as numpy pickles them (numpy 1.x `numpy.core.multiarray._reconstruct` + BUILD state, numpy 2.x
// `numpy._core...`, protocol 5's `_frombuffer`), of the dtypes bool, int8..int64, uint8..uint64, float16/32/64,
// fixed-width str ('U') and bytes ('S') and object ('O'), little-endian, C order; numpy scalars (`scalar`) become
// plain ints, floats and strings. Protocol 2's bytes (`_codecs.encode`) are accepted. Nothing else is called.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/pickle.h"

namespace grove::io {

struct NumpyArray {
  std::vector<int64_t> shape;
  char kind = 'f';          // numpy's dtype kind: 'b', 'i', 'u', 'f', 'U', 'S', 'O'
  int itemsize = 4;         // bytes per element ('U': 4 per character)
  std::vector<double> numbers;        // kinds b, i, u, f: every element, in C order
  std::vector<std::string> strings;   // kinds U (as UTF-8) and S: every element, trailing NULs removed
  std::vector<PyRef> objects;         // kind O: every element
  int64_t size() const;               // the product of shape
};

// The hooks that rebuild numpy values; 'where' names the input in errors.
PickleHooks numpy_pickle_hooks(const std::string& where);

// Unpickles data with numpy_pickle_hooks. Call release() on the result when done.
PyRef unpickle_with_numpy(std::string_view data, const std::string& where);

// The array v holds, or nullptr when v is not a numpy array.
const NumpyArray* as_numpy(const PyRef& v);

// An element of an integer array or scalar (kept as a double) as int64; throws grove::Error(where, ...) when it
// lies outside int64 (uint64 values past 2**63, and the int64 values next to its ends, which round to 2**63).
int64_t numpy_int(double v, const std::string& where);

// Python's truthiness-free views used by the importers: a number (int, float, bool, or a 1-element numeric
// array), a string (str, bytes, or a 1-element string array), a sequence (list, tuple, or an array's first
// axis: rows of a 2-D array become float lists). Each throws grove::Error(where, ...) naming what it found.
double py_number(const PyRef& v, const std::string& where);
std::string py_string(const PyRef& v, const std::string& where);
std::vector<PyRef> py_sequence(const PyRef& v, const std::string& where);
// A flat list of numbers from a list/tuple of numbers or a numeric array (any shape, C order).
std::vector<double> py_numbers(const PyRef& v, const std::string& where);

}  // namespace grove::io
