// A restricted pickle machine: it reads the pickles that checkpoints and annotation files are made of (protocols
// 0-5) into plain values, and never calls anything. A GLOBAL (module.name) is only accepted when the caller's
// allow-list names it, and REDUCE (a call) is only carried out by the caller's handler for that global; anything
// else is refused with an error naming the global and the byte offset. Sizes are checked against the input.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grove::io {

struct PyObject;
using PyRef = std::shared_ptr<PyObject>;

struct PyObject {
  enum class Type { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Global, Opaque };
  Type type = Type::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                                // String, Bytes; Global: "module.name"
  std::vector<PyRef> items;                     // List, Tuple
  std::vector<std::pair<PyRef, PyRef>> dict;    // Dict, in insertion order
  std::shared_ptr<void> opaque;                 // Opaque: what a handler built (a tensor, a storage, ...)
  std::string opaque_kind;                      // Opaque: its kind, e.g. "tensor"; the values it holds are also
                                                // listed in items, so that the graph walks below see them
  uint64_t walk = 0;                            // scratch of unpickle's walk over the values it returns

  static PyRef none();
  static PyRef boolean(bool v);
  static PyRef integer(int64_t v);
  static PyRef real(double v);
  static PyRef string(std::string v);
  static PyRef bytes(std::string v);
  static PyRef list(std::vector<PyRef> v = {});
  static PyRef tuple(std::vector<PyRef> v = {});
  static PyRef make_dict();
  static PyRef global(const std::string& module, const std::string& name);
  static PyRef make_opaque(std::string kind, std::shared_ptr<void> p);

  // Dict lookup by string key; nullptr when absent.
  PyRef get(const std::string& key) const;
  // For messages: "int", "dict", "global torch.FloatStorage", ...
  std::string describe() const;
};

struct PickleHooks {
  // The globals that may appear ("module.name"); any other is an error.
  std::vector<std::string> allowed_globals;
  // Carries out REDUCE of an allowed global with its argument tuple; throws to refuse.
  std::function<PyRef(const std::string& global, const PyRef& args)> call;
  // BUILD on a value the call handler made (an Opaque): applies the pickled state. Unset: refused.
  std::function<void(const PyRef& obj, const PyRef& state)> build;
  // BINPERSID / PERSID: turns a persistent id into a value (PyTorch's storages). Unset: persistent ids are refused.
  std::function<PyRef(const PyRef& pid)> persistent_load;
};

// Empties every container reachable from root, without recursion: a pickle can build cycles (which shared
// pointers never free) and nesting deep enough to overflow the stack in destructors. Call it when done with a value.
void release(const PyRef& root);

// Releases the value a PyRef holds (when it holds one) as the scope ends, by error or not.
struct Released {
  const PyRef& v;
  ~Released() {
    if (v) release(v);
  }
};

// Unpickles one pickle from data (which may hold more after its STOP; *consumed says how much was used). 'where'
// names the input in errors. Throws grove::Error. Values the pickle built but the result does not reach (cycles
// among them included), and every value of a pickle that fails, are emptied before it returns, so nothing leaks.
PyRef unpickle(std::string_view data, const PickleHooks& hooks, const std::string& where, size_t* consumed = nullptr);

}  // namespace grove::io
