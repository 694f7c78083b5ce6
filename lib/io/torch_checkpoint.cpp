#include "io/torch_checkpoint.h"

#include <cstring>
#include <map>

#include "core/error.h"
#include "io/zip.h"

namespace grove::io {

int64_t CheckpointTensor::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

bool CheckpointTensor::is_contiguous() const {
  int64_t expect = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expect) return false;
    expect *= shape[i];
  }
  return true;
}

std::vector<uint8_t> CheckpointTensor::contiguous_bytes() const {
  const size_t es = dtype_size(dtype);
  const int64_t n = numel();
  std::vector<uint8_t> out(static_cast<size_t>(n) * es);
  if (n == 0) return out;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = offset;
    for (size_t d = 0; d < shape.size(); ++d) src += idx[d] * strides[d];
    std::memcpy(&out[static_cast<size_t>(k) * es], storage->data + static_cast<size_t>(src) * es, es);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

const CheckpointTensor* Checkpoint::find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {

const std::map<std::string, DType>& storage_types() {
  static const std::map<std::string, DType> m = {
      {"torch.DoubleStorage", DType::F64}, {"torch.FloatStorage", DType::F32}, {"torch.HalfStorage", DType::F16},
      {"torch.BFloat16Storage", DType::BF16}, {"torch.LongStorage", DType::I64}, {"torch.IntStorage", DType::I32},
      {"torch.ShortStorage", DType::I16},   {"torch.CharStorage", DType::I8},   {"torch.ByteStorage", DType::U8},
      {"torch.BoolStorage", DType::Bool}};
  return m;
}

// A storage named in the pickle, before its bytes are known (legacy files list them after the pickle).
struct StorageRef {
  std::string key;
  DType dtype;
  int64_t numel;
  int64_t view_offset = 0;  // legacy view_metadata: elements into the root storage
  std::shared_ptr<Storage> storage = std::make_shared<Storage>();
};

struct TensorRef {
  CheckpointTensor t;
};

int64_t as_int(const PyRef& p, const char* what) {
  if (!p || p->type != PyObject::Type::Int) throw Error("", std::string(what) + " is not an integer");
  return p->i;
}

std::vector<int64_t> int_tuple(const PyRef& p, const char* what) {
  if (!p || (p->type != PyObject::Type::Tuple && p->type != PyObject::Type::List)) {
    throw Error("", std::string(what) + " is not a tuple");
  }
  std::vector<int64_t> v;
  for (const auto& x : p->items) v.push_back(as_int(x, what));
  return v;
}

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {
    for (const auto& [name, dt] : storage_types()) hooks_.allowed_globals.push_back(name);
    for (const char* g : {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
                          "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
                          "builtins.set", "__builtin__.set", "_codecs.encode"}) {
      hooks_.allowed_globals.push_back(g);
    }
    hooks_.call = [this](const std::string& g, const PyRef& args) { return call(g, args); };
    hooks_.persistent_load = [this](const PyRef& pid) { return persistent(pid); };
  }

  const PickleHooks& hooks() const { return hooks_; }
  std::vector<std::shared_ptr<StorageRef>>& storages() { return storages_; }
  std::map<std::string, std::shared_ptr<StorageRef>>& by_key() { return by_key_; }

 private:
  PyRef call(const std::string& g, const PyRef& args) {
    const auto& a = args->items;
    if (g == "collections.OrderedDict") return PyObject::make_dict();
    if (g == "builtins.set" || g == "__builtin__.set") return a.empty() ? PyObject::list() : a[0];
    if (g == "_codecs.encode") {  // bytes pickled by protocol 2: _codecs.encode(str, 'latin1')
      if (a.empty() || a[0]->type != PyObject::Type::String) throw Error("", "bad arguments");
      std::string out;
      const std::string& s = a[0]->s;  // UTF-8 of code points < 256
      for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = s[i];
        if (c < 0x80) out += static_cast<char>(c);
        else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) out += static_cast<char>(((c & 0x1f) << 6) | (s[++i] & 0x3f));
        else throw Error("", "not latin-1 text");
      }
      return PyObject::bytes(out);
    }
    if (g == "torch._utils._rebuild_tensor_v2" || g == "torch._utils._rebuild_tensor") {
      if (a.size() < 4 || a[0]->type != PyObject::Type::Opaque || a[0]->opaque_kind != "storage") {
        throw Error("", "expects (storage, offset, size, stride, ...)");
      }
      auto ref = std::static_pointer_cast<StorageRef>(a[0]->opaque);
      auto t = std::make_shared<TensorRef>();
      t->t.dtype = ref->dtype;
      const int64_t offset = as_int(a[1], "storage offset");
      if (offset < 0) throw Error("", "negative storage offset");
      t->t.offset = offset + ref->view_offset;  // both checked: no overflow
      t->t.shape = int_tuple(a[2], "size");
      t->t.strides = int_tuple(a[3], "stride");
      if (t->t.shape.size() != t->t.strides.size()) throw Error("", "size and stride differ in length");
      t->t.requires_grad = a.size() > 4 && a[4]->type == PyObject::Type::Bool && a[4]->b;
      t->t.storage = ref->storage;
      // Every element the view can reach must lie inside the (root) storage; arithmetic is overflow-checked.
      bool empty = false;
      int64_t last = t->t.offset, numel = 1;
      for (size_t d = 0; d < t->t.shape.size(); ++d) {
        if (t->t.shape[d] < 0 || t->t.strides[d] < 0) throw Error("", "negative size or stride");
        if (t->t.shape[d] == 0) empty = true;
        int64_t span;
        if (__builtin_mul_overflow(t->t.shape[d], numel, &numel) ||
            (!empty && (__builtin_mul_overflow(t->t.shape[d] - 1, t->t.strides[d], &span) ||
                        __builtin_add_overflow(last, span, &last)))) {
          throw Error("", "size and stride overflow");
        }
      }
      if (!empty && last >= ref->numel) {
        throw Error("", "a tensor reaches element " + std::to_string(last) + " of a storage of " +
                            std::to_string(ref->numel));
      }
      return PyObject::make_opaque("tensor", t);
    }
    if (g == "torch._utils._rebuild_parameter" || g == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty() || a[0]->type != PyObject::Type::Opaque || a[0]->opaque_kind != "tensor") {
        throw Error("", "expects (tensor, requires_grad, hooks)");
      }
      auto t = std::make_shared<TensorRef>(*std::static_pointer_cast<TensorRef>(a[0]->opaque));
      t->t.requires_grad = a.size() > 1 && a[1]->type == PyObject::Type::Bool && a[1]->b;
      return PyObject::make_opaque("tensor", t);
    }
    throw Error("", "calling it is not supported");
  }

  PyRef persistent(const PyRef& pid) {
    // zip:    ('storage', storage_type, key, location, numel)
    // legacy: ('storage', storage_type, root_key, location, numel, view_metadata)
    if (pid->type != PyObject::Type::Tuple || pid->items.size() < 5 || pid->items[0]->type != PyObject::Type::String ||
        pid->items[0]->s != "storage") {
      throw Error(path_, "unexpected persistent id (" + pid->describe() + ")");
    }
    const auto& it = pid->items;
    if (it[1]->type != PyObject::Type::Global || !storage_types().count(it[1]->s)) {
      throw Error(path_, "unknown storage type " + it[1]->describe());
    }
    if (it[2]->type != PyObject::Type::String) throw Error(path_, "storage key is not a string");
    auto found = by_key_.find(it[2]->s);
    std::shared_ptr<StorageRef> ref;
    if (found != by_key_.end()) {
      ref = found->second;  // shared storage: several tensors, one set of bytes
    } else {
      ref = std::make_shared<StorageRef>();
      ref->key = it[2]->s;
      ref->dtype = storage_types().at(it[1]->s);
      ref->numel = as_int(it[4], "storage size");
      if (ref->numel < 0) throw Error(path_, "negative storage size");
      ref->storage->dtype = ref->dtype;
      by_key_[ref->key] = ref;
      storages_.push_back(ref);
    }
    if (it.size() > 5 && it[5]->type == PyObject::Type::Tuple && it[5]->items.size() >= 2) {
      auto view = std::make_shared<StorageRef>(*ref);  // legacy view of a root storage
      view->view_offset = as_int(it[5]->items[1], "view offset");
      if (view->view_offset < 0 || view->view_offset > ref->numel) throw Error(path_, "storage view outside its root");
      return PyObject::make_opaque("storage", view);
    }
    return PyObject::make_opaque("storage", ref);
  }

  std::string path_;
  PickleHooks hooks_;
  std::vector<std::shared_ptr<StorageRef>> storages_;
  std::map<std::string, std::shared_ptr<StorageRef>> by_key_;
};

// Depth and node bounds refuse cyclic, absurdly deep or exponentially shared pickles (a few bytes of pickle can
// describe 2^64 leaves) instead of exhausting the stack or memory.
constexpr int kMaxDepth = 256;
constexpr size_t kMaxNodes = 10'000'000;

void flatten(const PyRef& v, const std::string& name, Checkpoint& out, int depth, size_t& nodes) {
  using T = PyObject::Type;
  if (depth > kMaxDepth) throw Error("", "the checkpoint nests deeper than " + std::to_string(kMaxDepth) + " levels (or is cyclic)");
  if (++nodes > kMaxNodes) throw Error("", "the checkpoint has more than " + std::to_string(kMaxNodes) + " values");
  auto join = [&](const std::string& k) { return name.empty() ? k : name + "." + k; };
  switch (v->type) {
    case T::Dict:
      for (const auto& [k, x] : v->dict) {
        std::string key = k->type == T::String ? k->s : k->type == T::Int ? std::to_string(k->i) : k->describe();
        flatten(x, join(key), out, depth + 1, nodes);
      }
      break;
    case T::List:
    case T::Tuple:
      for (size_t i = 0; i < v->items.size(); ++i) flatten(v->items[i], join(std::to_string(i)), out, depth + 1, nodes);
      break;
    case T::Opaque:
      if (v->opaque_kind == "tensor") {
        CheckpointTensor t = std::static_pointer_cast<TensorRef>(v->opaque)->t;
        t.name = name;
        out.tensors.push_back(std::move(t));
      }
      break;
    case T::None: out.values.emplace_back(name, nullptr); break;
    case T::Bool: out.values.emplace_back(name, v->b); break;
    case T::Int: out.values.emplace_back(name, v->i); break;
    case T::Float: out.values.emplace_back(name, v->f); break;
    case T::String: out.values.emplace_back(name, v->s); break;
    case T::Bytes: out.values.emplace_back(name, Record::binary(std::vector<uint8_t>(v->s.begin(), v->s.end()))); break;
    case T::Global: out.values.emplace_back(name, v->s); break;
  }
}

}  // namespace

Checkpoint read_torch_checkpoint(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  Loader loader(path);
  Checkpoint out;
  PyRef root;
  Released released{root};  // errors included: a pickle may hold cycles
  if (ZipArchive::looks_like_zip(*file)) {
    ZipArchive zip(file);
    std::string prefix;
    for (const auto& n : zip.names()) {
      if (n.size() >= 8 && n.compare(n.size() - 8, 8, "data.pkl") == 0) prefix = n.substr(0, n.size() - 8);
    }
    if (prefix.empty() && !zip.contains("data.pkl")) throw Error(path, "a ZIP archive without data.pkl is not a PyTorch checkpoint");
    root = unpickle(zip.get(prefix + "data.pkl"), loader.hooks(), path);
    for (auto& ref : loader.storages()) {
      std::string_view bytes = zip.get(prefix + "data/" + ref->key);
      const size_t es = dtype_size(ref->dtype);
      if (static_cast<uint64_t>(ref->numel) > bytes.size() / es) {
        throw Error(path, "storage " + ref->key + " holds " + std::to_string(bytes.size()) + " bytes, fewer than its " +
                              std::to_string(ref->numel) + " elements");
      }
      const size_t need = static_cast<size_t>(ref->numel) * es;
      ref->storage->file = file;
      ref->storage->data = reinterpret_cast<const uint8_t*>(bytes.data());
      ref->storage->nbytes = need;
    }
  } else {
    // Legacy: magic number, protocol version, system info, the object, the storage keys, then each storage as
    // an 8-byte little-endian element count and its bytes.
    out.legacy = true;
    std::string_view rest(reinterpret_cast<const char*>(file->data()), file->size());
    PickleHooks plain;
    size_t used = 0;
    // The magic number 0x1950a86a20f9469cfc6c is an 80-bit Python int: PROTO 2, LONG1 of 10 bytes, STOP.
    static const unsigned char kMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                           0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
    if (rest.size() < sizeof kMagic || std::memcmp(rest.data(), kMagic, sizeof kMagic) != 0) {
      throw Error(path, "not a PyTorch checkpoint (neither a ZIP archive nor the legacy format)");
    }
    rest.remove_prefix(sizeof kMagic);
    PyRef version = unpickle(rest, plain, path, &used);
    Released released_version{version};
    if (version->type != PyObject::Type::Int || version->i != 1001) {
      throw Error(path, "not a PyTorch checkpoint (neither a ZIP archive nor the legacy format)");
    }
    rest.remove_prefix(used);
    PyRef sys_info = unpickle(rest, plain, path, &used);
    Released released_sys_info{sys_info};
    rest.remove_prefix(used);
    root = unpickle(rest, loader.hooks(), path, &used);
    rest.remove_prefix(used);
    PyRef keys = unpickle(rest, plain, path, &used);
    Released released_keys{keys};
    rest.remove_prefix(used);
    if (keys->type != PyObject::Type::List) throw Error(path, "legacy checkpoint: the storage key list is missing");
    for (const auto& k : keys->items) {
      if (k->type != PyObject::Type::String || !loader.by_key().count(k->s)) {
        throw Error(path, "legacy checkpoint lists an unknown storage " + k->describe());
      }
      auto& ref = loader.by_key()[k->s];
      if (rest.size() < 8) throw Error(path, "legacy checkpoint ends before storage " + k->s + " (truncated?)");
      uint64_t count = 0;
      for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<uint8_t>(rest[i]);
      rest.remove_prefix(8);
      if (count > rest.size() / dtype_size(ref->dtype)) {
        throw Error(path, "legacy checkpoint ends inside storage " + k->s + " (truncated?)");
      }
      if (count < static_cast<uint64_t>(ref->numel)) {
        throw Error(path, "legacy storage " + k->s + " holds " + std::to_string(count) + " elements, fewer than the " +
                              std::to_string(ref->numel) + " its tensors use");
      }
      const uint64_t nbytes = count * dtype_size(ref->dtype);
      ref->storage->file = file;
      ref->storage->data = reinterpret_cast<const uint8_t*>(rest.data());
      ref->storage->nbytes = nbytes;
      rest.remove_prefix(nbytes);
    }
  }
  for (auto& ref : loader.storages()) {
    if (!ref->storage->data && ref->numel > 0) throw Error(path, "storage " + ref->key + " has no data");
  }
  size_t nodes = 0;
  try {
    flatten(root, "", out, 0, nodes);
  } catch (const Error& e) {
    throw Error(path, e.message());
  }
  return out;
}

}  // namespace grove::io
