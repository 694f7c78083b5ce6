#include "io/pickle.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace grove::io {

// ---- values ---------------------------------------------------------------------------------------------------

namespace {
PyRef make(PyObject::Type t) {
  auto p = std::make_shared<PyObject>();
  p->type = t;
  return p;
}
}  // namespace

PyRef PyObject::none() { return make(Type::None); }
PyRef PyObject::boolean(bool v) { auto p = make(Type::Bool); p->b = v; return p; }
PyRef PyObject::integer(int64_t v) { auto p = make(Type::Int); p->i = v; return p; }
PyRef PyObject::real(double v) { auto p = make(Type::Float); p->f = v; return p; }
PyRef PyObject::string(std::string v) { auto p = make(Type::String); p->s = std::move(v); return p; }
PyRef PyObject::bytes(std::string v) { auto p = make(Type::Bytes); p->s = std::move(v); return p; }
PyRef PyObject::list(std::vector<PyRef> v) { auto p = make(Type::List); p->items = std::move(v); return p; }
PyRef PyObject::tuple(std::vector<PyRef> v) { auto p = make(Type::Tuple); p->items = std::move(v); return p; }
PyRef PyObject::make_dict() { return make(Type::Dict); }
PyRef PyObject::global(const std::string& module, const std::string& name) {
  auto p = make(Type::Global);
  p->s = module + "." + name;
  return p;
}
PyRef PyObject::make_opaque(std::string kind, std::shared_ptr<void> v) {
  auto p = make(Type::Opaque);
  p->opaque_kind = std::move(kind);
  p->opaque = std::move(v);
  return p;
}

PyRef PyObject::get(const std::string& key) const {
  for (const auto& [k, v] : dict) {
    if (k->type == Type::String && k->s == key) return v;
  }
  return nullptr;
}

std::string PyObject::describe() const {
  switch (type) {
    case Type::None: return "None";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "str";
    case Type::Bytes: return "bytes";
    case Type::List: return "list";
    case Type::Tuple: return "tuple";
    case Type::Dict: return "dict";
    case Type::Global: return "global " + s;
    case Type::Opaque: return opaque_kind;
  }
  return "?";
}

// ---- the machine ----------------------------------------------------------------------------------------------

namespace {

class Machine {
 public:
  Machine(std::string_view data, const PickleHooks& hooks, const std::string& where)
      : d_(data), hooks_(hooks), where_(where) {}

  // The pickle's value. Containers and handler-made values can form cycles (a list appended to itself through the
  // memo), which shared pointers never free: when the pickle fails, every one of them is emptied; when it
  // succeeds, those the result does not reach. The result's own cycles are the caller's to release().
  PyRef result(size_t* consumed) {
    PyRef root;
    try {
      root = run(consumed);
    } catch (...) {
      for (const auto& v : made_) empty(*v);
      throw;
    }
    stack_.clear();
    memo_.clear();
    static std::atomic<uint64_t> walks{0};
    const uint64_t walk = ++walks;
    std::vector<PyObject*> todo{root.get()};
    while (!todo.empty()) {
      PyObject* v = todo.back();
      todo.pop_back();
      if (v->walk == walk) continue;
      v->walk = walk;
      for (const auto& x : v->items) todo.push_back(x.get());
      for (const auto& [k, x] : v->dict) {
        todo.push_back(k.get());
        todo.push_back(x.get());
      }
    }
    for (const auto& v : made_)
      if (v->walk != walk) empty(*v);
    made_.clear();
    return root;
  }

 private:
  PyRef run(size_t* consumed) {
    for (;;) {
      if (pos_ >= d_.size()) fail("the pickle ends before its STOP opcode (truncated?)");
      const size_t at = pos_;
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;                 // PROTO
        case 0x95: take(8); break;                // FRAME: a length hint
        case '.': {                               // STOP
          PyRef r = pop();
          if (consumed) *consumed = pos_;
          return r;
        }
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case '0': pop(); break;                   // POP
        case '1': pop_mark(); break;              // POP_MARK
        case '2': push(top()); break;             // DUP
        case 'N': push(PyObject::none()); break;
        case 0x88: push(PyObject::boolean(true)); break;
        case 0x89: push(PyObject::boolean(false)); break;
        case 'J': push(PyObject::integer(static_cast<int32_t>(uint_le(4)))); break;  // BININT
        case 'K': push(PyObject::integer(uint_le(1))); break;                         // BININT1
        case 'M': push(PyObject::integer(uint_le(2))); break;                         // BININT2
        case 0x8a: push(long_le(uint_le(1))); break;                                  // LONG1
        case 0x8b: push(long_le(uint_le(4))); break;                                  // LONG4
        case 'I': push(text_int(line())); break;                                      // INT (protocol 0)
        case 'L': push(text_int(line())); break;                                      // LONG (protocol 0)
        case 'G': {                                                                   // BINFLOAT, big-endian
          uint64_t bits = 0;
          for (char c : take(8)) bits = (bits << 8) | static_cast<uint8_t>(c);
          double v;
          std::memcpy(&v, &bits, 8);
          push(PyObject::real(v));
          break;
        }
        case 'X': push(PyObject::string(std::string(take(uint_le(4))))); break;       // BINUNICODE
        case 0x8c: push(PyObject::string(std::string(take(uint_le(1))))); break;      // SHORT_BINUNICODE
        case 0x8d: push(PyObject::string(std::string(take(uint_le(8))))); break;      // BINUNICODE8
        case 'T': push(PyObject::bytes(std::string(take(uint_le(4))))); break;        // BINSTRING
        case 'U': push(PyObject::bytes(std::string(take(uint_le(1))))); break;        // SHORT_BINSTRING
        case 'B': push(PyObject::bytes(std::string(take(uint_le(4))))); break;        // BINBYTES
        case 'C': push(PyObject::bytes(std::string(take(uint_le(1))))); break;        // SHORT_BINBYTES
        case 0x8e: push(PyObject::bytes(std::string(take(uint_le(8))))); break;       // BINBYTES8
        case 0x96: push(PyObject::bytes(std::string(take(uint_le(8))))); break;       // BYTEARRAY8
        case ']': push(PyObject::list()); break;                                      // EMPTY_LIST
        case 'l': push(PyObject::list(pop_mark())); break;                            // LIST
        case 'a': {                                                                   // APPEND
          PyRef v = pop();
          container(top(), PyObject::Type::List, "APPEND")->items.push_back(v);
          break;
        }
        case 'e': {                                                                   // APPENDS
          auto vs = pop_mark();
          auto& l = container(top(), PyObject::Type::List, "APPENDS")->items;
          l.insert(l.end(), vs.begin(), vs.end());
          break;
        }
        case ')': push(PyObject::tuple()); break;                                     // EMPTY_TUPLE
        case 't': push(PyObject::tuple(pop_mark())); break;                           // TUPLE
        case 0x85: push(PyObject::tuple({pop()})); break;                             // TUPLE1
        case 0x86: { PyRef b = pop(), a = pop(); push(PyObject::tuple({a, b})); break; }
        case 0x87: { PyRef c = pop(), b = pop(), a = pop(); push(PyObject::tuple({a, b, c})); break; }
        case '}': push(PyObject::make_dict()); break;                                 // EMPTY_DICT
        case 'd': {                                                                   // DICT
          auto vs = pop_mark();
          PyRef dict = PyObject::make_dict();
          set_items(dict, vs);
          push(dict);
          break;
        }
        case 's': {                                                                   // SETITEM
          PyRef v = pop(), k = pop();
          set_items(top(), {k, v});
          break;
        }
        case 'u': {                                                                   // SETITEMS
          auto vs = pop_mark();
          set_items(top(), vs);
          break;
        }
        case 0x8f: push(PyObject::list()); break;                                     // EMPTY_SET (as a list)
        case 0x90: {                                                                  // ADDITEMS
          auto vs = pop_mark();
          auto& l = container(top(), PyObject::Type::List, "ADDITEMS")->items;
          l.insert(l.end(), vs.begin(), vs.end());
          break;
        }
        case 'c': {                                                                   // GLOBAL
          std::string module(line()), name(line());
          push(global(module, name, at));
          break;
        }
        case 0x93: {                                                                  // STACK_GLOBAL
          PyRef name = pop(), module = pop();
          if (module->type != PyObject::Type::String || name->type != PyObject::Type::String) {
            fail("STACK_GLOBAL needs two strings", at);
          }
          push(global(module->s, name->s, at));
          break;
        }
        case 'R': {                                                                   // REDUCE
          PyRef args = pop(), callable = pop();
          push(call(callable, args, at));
          break;
        }
        case 0x81: {                                                                  // NEWOBJ: cls(*args)
          PyRef args = pop(), cls = pop();
          push(call(cls, args, at));
          break;
        }
        case 'b': {                                                                   // BUILD: obj.__setstate__(state)
          PyRef state = pop();
          PyRef obj = top();
          if (state->type == PyObject::Type::None) break;
          if (obj->type == PyObject::Type::Dict) {
            // State on a dict object sets attributes, not items (a state dict's _metadata): not part of the data.
            break;
          }
          if (obj->type == PyObject::Type::Opaque && hooks_.build) {  // the handler that made obj sets its state
            hooks_.build(obj, state);
            break;
          }
          fail("BUILD on " + obj->describe() + " is not supported", at);
        }
        case 'Q': {                                                                   // BINPERSID
          PyRef pid = pop();
          if (!hooks_.persistent_load) fail("persistent ids are not allowed here", at);
          push(hooks_.persistent_load(pid));
          break;
        }
        case 'P': {                                                                   // PERSID (text)
          if (!hooks_.persistent_load) fail("persistent ids are not allowed here", at);
          push(hooks_.persistent_load(PyObject::string(std::string(line()))));
          break;
        }
        case 'q': memo_put(uint_le(1)); break;                                        // BINPUT
        case 'r': memo_put(uint_le(4)); break;                                        // LONG_BINPUT
        case 'p': memo_put(text_index(line())); break;                                // PUT
        case 0x94: memo_put(memo_.size()); break;                                     // MEMOIZE
        case 'h': push(memo_get(uint_le(1), at)); break;                              // BINGET
        case 'j': push(memo_get(uint_le(4), at)); break;                              // LONG_BINGET
        case 'g': push(memo_get(text_index(line()), at)); break;                      // GET
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unknown or unsupported pickle opcode ") + hex, at);
        }
      }
      if (stack_.size() > kMaxStack) fail("the pickle's stack grows past " + std::to_string(kMaxStack) + " entries");
    }
  }

  static constexpr size_t kMaxStack = 1u << 24;

  static void empty(PyObject& v) {
    v.items.clear();
    v.dict.clear();
    v.opaque.reset();
  }

  [[noreturn]] void fail(const std::string& what, size_t at = SIZE_MAX) const {
    throw Error(where_, what + " at byte " + std::to_string(at == SIZE_MAX ? pos_ : at) + " of the pickle");
  }
  uint8_t byte() {
    if (pos_ >= d_.size()) fail("the pickle ends inside an opcode (truncated?)");
    return static_cast<uint8_t>(d_[pos_++]);
  }
  std::string_view take(uint64_t n) {
    if (n > d_.size() - pos_) fail("a length of " + std::to_string(n) + " bytes runs past the end of the pickle");
    std::string_view v = d_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  uint64_t uint_le(int n) {
    auto v = take(n);
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(v[i]);
    return x;
  }
  std::string_view line() {
    size_t nl = d_.find('\n', pos_);
    if (nl == std::string_view::npos) fail("a text argument has no end of line");
    std::string_view v = d_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return v;
  }
  PyRef long_le(uint64_t n) {
    if (n > 8) fail("an integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
    auto v = take(n);
    uint64_t x = 0;
    for (int i = static_cast<int>(n) - 1; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(v[i]);
    if (n > 0 && n < 8 && (static_cast<uint8_t>(v[n - 1]) & 0x80)) x |= ~uint64_t{0} << (8 * n);  // sign-extend
    return PyObject::integer(static_cast<int64_t>(x));
  }
  PyRef text_int(std::string_view t) {
    std::string s(t);
    if (!s.empty() && s.back() == 'L') s.pop_back();
    if (s == "00") return PyObject::boolean(false);
    if (s == "01") return PyObject::boolean(true);
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end) fail("not an integer: " + s);
    return PyObject::integer(v);
  }
  size_t text_index(std::string_view t) { return static_cast<size_t>(text_int(t)->i); }

  void push(PyRef v) {
    using T = PyObject::Type;
    if (v->type == T::List || v->type == T::Tuple || v->type == T::Dict || v->type == T::Opaque) made_.push_back(v);
    stack_.push_back(std::move(v));
  }
  PyRef pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("pop from an empty stack");
    PyRef v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  const PyRef& top() {
    if (stack_.empty()) fail("the stack is empty");
    return stack_.back();
  }
  std::vector<PyRef> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> out(std::make_move_iterator(stack_.begin() + m), std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return out;
  }
  PyObject* container(const PyRef& p, PyObject::Type t, const char* op) {
    if (p->type != t) fail(std::string(op) + " on " + p->describe());
    return p.get();
  }
  void set_items(const PyRef& d, const std::vector<PyRef>& kv) {
    if (d->type != PyObject::Type::Dict) fail("SETITEM(S) on " + d->describe());
    if (kv.size() % 2) fail("SETITEMS with an odd number of values");
    for (size_t i = 0; i < kv.size(); i += 2) {
      bool replaced = false;
      if (kv[i]->type == PyObject::Type::String || kv[i]->type == PyObject::Type::Int) {
        for (auto& e : d->dict) {
          if (e.first->type == kv[i]->type && e.first->s == kv[i]->s && e.first->i == kv[i]->i) {
            e.second = kv[i + 1];
            replaced = true;
            break;
          }
        }
      }
      if (!replaced) d->dict.emplace_back(kv[i], kv[i + 1]);
    }
  }
  void memo_put(size_t index) {
    // Picklers number memo entries upwards from 0, one per value, so a valid index is below the input's length.
    if (index > d_.size()) fail("memo index " + std::to_string(index) + " is absurd");
    if (index >= memo_.size()) memo_.resize(index + 1);
    memo_[index] = top();
  }
  PyRef memo_get(size_t index, size_t at) {
    if (index >= memo_.size() || !memo_[index]) fail("memo entry " + std::to_string(index) + " was never stored", at);
    return memo_[index];
  }
  PyRef global(const std::string& module, const std::string& name, size_t at) {
    std::string full = module + "." + name;
    const auto& allowed = hooks_.allowed_globals;
    if (std::find(allowed.begin(), allowed.end(), full) == allowed.end()) {
      fail("refusing global " + full + ": not in the set a checkpoint or annotation file may use", at);
    }
    return PyObject::global(module, name);
  }
  PyRef call(const PyRef& callable, const PyRef& args, size_t at) {
    if (callable->type != PyObject::Type::Global) fail("REDUCE on " + callable->describe() + ", not a global", at);
    if (args->type != PyObject::Type::Tuple) fail("REDUCE arguments are not a tuple", at);
    if (!hooks_.call) fail("calls are not allowed here (" + callable->s + ")", at);
    try {
      return hooks_.call(callable->s, args);
    } catch (const Error& e) {
      fail(callable->s + ": " + e.message(), at);
    }
  }

  std::string_view d_;
  const PickleHooks& hooks_;
  const std::string& where_;
  size_t pos_ = 0;
  std::vector<PyRef> stack_;
  std::vector<size_t> marks_;
  std::vector<PyRef> memo_;
  std::vector<PyRef> made_;  // every container and handler-made value pushed (cycles pass through one of them)
};

}  // namespace

void release(const PyRef& root) {
  std::vector<PyRef> todo{root};
  std::vector<PyRef> seen;  // keeps each node alive until every container is empty
  while (!todo.empty()) {
    PyRef v = std::move(todo.back());
    todo.pop_back();
    if (!v || (v->items.empty() && v->dict.empty())) continue;
    for (auto& x : v->items) todo.push_back(std::move(x));
    for (auto& [k, x] : v->dict) {
      todo.push_back(std::move(k));
      todo.push_back(std::move(x));
    }
    v->items.clear();
    v->dict.clear();
    seen.push_back(std::move(v));
  }
}

PyRef unpickle(std::string_view data, const PickleHooks& hooks, const std::string& where, size_t* consumed) {
  return Machine(data, hooks, where).result(consumed);
}

}  // namespace grove::io
