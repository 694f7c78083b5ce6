// See prediction_pickle.h.
#include "io/prediction_pickle.h"

#include <cstring>
#include <memory>

#include "core/error.h"
#include "io/pickle.h"
#include "io/pickle_writer.h"
#include "io/schema.h"

namespace grove::io {

std::string predictions_to_pickle(const std::vector<Record>& predictions) {
  PickleWriter p(3);
  p.empty_dict();
  p.mark();
  for (const auto& r : predictions) {
    require_valid(r, "prediction");
    p.string(record_id(r));
    p.empty_dict();
    p.mark();
    p.string("pred_bboxes");
    p.empty_list();
    p.mark();
    for (const auto& frame : r["boxes"]) {
      std::vector<float> v;
      for (const auto& box : frame)
        for (const auto& x : box) v.push_back(x.get<float>());
      p.float32_array(v, {static_cast<int64_t>(frame.size()), 4});
    }
    p.appends();
    p.string("pred_labels");
    p.empty_list();
    p.mark();
    for (const auto& frame : r["labels"]) {
      p.empty_list();
      p.mark();
      for (const auto& l : frame)
        if (!l.get<std::string>().empty()) p.string(l.get<std::string>());  // the original has no label there
      p.appends();
    }
    p.appends();
    p.string("pred_phrases");
    p.empty_list();
    p.mark();
    for (const auto& ph : r["phrases"]) p.string(ph.get<std::string>());
    p.appends();
    p.string("pred_text");
    p.string(r["caption"].get<std::string>());
    p.string("pred_text_tagged");
    p.string(r["tagged_caption"].get<std::string>());
    p.string("probs_temp_objectness");
    p.empty_list();
    p.mark();
    for (const auto& frame : r["objectness"]) {
      std::vector<float> v;
      for (const auto& x : frame) v.push_back(x.get<float>());
      p.float32_array(v, {static_cast<int64_t>(v.size())});
    }
    p.appends();
    p.setitems();
  }
  p.setitems();
  return p.finish();
}

namespace {

// What numpy's reconstruction builds, as far as a prediction pickle uses it.
struct Array {
  std::vector<int64_t> shape;
  std::string dtype = "f4";
  bool big_endian = false;
  std::vector<double> values;
};

int64_t as_int(const PyRef& v, const std::string& where) {
  if (v->type == PyObject::Type::Int) return v->i;
  if (v->type == PyObject::Type::Bool) return v->b;
  throw Error(where, "expected an integer, found " + v->describe());
}

}  // namespace

std::vector<Record> predictions_from_pickle(std::string_view data, const std::string& where) {
  PickleHooks hooks;
  hooks.allowed_globals = {"numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
                           "numpy.ndarray", "numpy.dtype", "_codecs.encode", "__builtin__.bytes"};
  hooks.call = [&](const std::string& g, const PyRef& args) -> PyRef {
    if (g == "numpy.ndarray") return PyObject::global("numpy", "ndarray");
    if (g == "__builtin__.bytes") return PyObject::bytes("");  // protocol 2's empty bytes
    if (g == "_codecs.encode") {  // protocol 2 bytes: _codecs.encode(latin-1 text, 'latin1')
      std::string out;
      const std::string& s = args->items.at(0)->s;
      for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) out += static_cast<char>(c);
        else out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
      }
      return PyObject::bytes(out);
    }
    if (g == "numpy.dtype") {
      auto a = std::make_shared<Array>();
      a->dtype = args->items.at(0)->s;
      return PyObject::make_opaque("dtype", a);
    }
    return PyObject::make_opaque("ndarray", std::make_shared<Array>());  // _reconstruct(ndarray, (0,), b'b')
  };
  hooks.build = [&](const PyRef& obj, const PyRef& state) {
    auto& a = *std::static_pointer_cast<Array>(obj->opaque);
    if (obj->opaque_kind == "dtype") {  // (version, byte order, ...)
      if (state->items.size() > 1) a.big_endian = state->items[1]->s == ">";
      return;
    }
    // (version, shape, dtype, is_fortran, raw bytes)
    if (state->items.size() != 5) throw Error(where, "unexpected numpy array state");
    for (const auto& d : state->items[1]->items) a.shape.push_back(as_int(d, where));
    const auto& dt = *std::static_pointer_cast<Array>(state->items[2]->opaque);
    const std::string& raw = state->items[4]->s;
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    const size_t size = dt.dtype == "f8" ? 8 : dt.dtype == "f4" ? 4 : dt.dtype == "f2" ? 2 : 0;
    if (size == 0 || dt.big_endian) throw Error(where, "numpy arrays of dtype " + dt.dtype + " are not read here");
    if (raw.size() != static_cast<size_t>(n) * size) throw Error(where, "numpy array data of the wrong size");
    for (int64_t i = 0; i < n; ++i) {
      if (size == 8) {
        double d;
        std::memcpy(&d, raw.data() + i * 8, 8);
        a.values.push_back(d);
      } else if (size == 4) {
        float f;
        std::memcpy(&f, raw.data() + i * 4, 4);
        a.values.push_back(f);
      } else {
        throw Error(where, "float16 numpy arrays are not read here");
      }
    }
  };
  PyRef root = unpickle(data, hooks, where);
  std::vector<Record> out;
  auto fail = [&](const std::string& what) { throw Error(where, what); };
  if (root->type != PyObject::Type::Dict) fail("not a prediction pickle: the top level is " + root->describe());
  auto array = [&](const PyRef& v) -> const Array& {
    if (v->type != PyObject::Type::Opaque || v->opaque_kind != "ndarray") fail("expected a numpy array, found " + v->describe());
    return *std::static_pointer_cast<Array>(v->opaque);
  };
  auto strings = [&](const PyRef& v) {
    Record a = Record::array();
    if (!v || v->type != PyObject::Type::List) fail("expected a list of strings");
    for (const auto& s : v->items) a.push_back(s->s);
    return a;
  };
  for (const auto& [key, value] : root->dict) {
    const std::string id = key->s;
    auto field = [&](const char* name) {
      PyRef f = value->get(name);
      if (!f) fail(id + ": no '" + name + "'");
      return f;
    };
    Record r = Record::object();
    r["type"] = "prediction";
    r["id"] = id;
    r["caption"] = field("pred_text")->s;
    r["tagged_caption"] = value->get("pred_text_tagged") ? value->get("pred_text_tagged")->s : "";
    r["phrases"] = strings(field("pred_phrases"));
    Record boxes = Record::array(), labels = Record::array(), objectness = Record::array(), frames = Record::array();
    const auto& bl = field("pred_bboxes")->items;
    const auto& ll = field("pred_labels")->items;
    const auto& pl = field("probs_temp_objectness")->items;
    if (ll.size() != bl.size()) fail(id + ": pred_labels and pred_bboxes have different lengths");
    for (size_t t = 0; t < bl.size(); ++t) {
      const Array& b = array(bl[t]);
      Record fb = Record::array();
      for (size_t i = 0; i + 3 < b.values.size(); i += 4) fb.push_back({b.values[i], b.values[i + 1], b.values[i + 2], b.values[i + 3]});
      Record fl = strings(ll[t]);
      while (fl.size() < fb.size()) fl.push_back("");  // boxes past the last phrase
      Record fo = Record::array();
      if (t < pl.size())
        for (double p : array(pl[t]).values) fo.push_back(p);
      boxes.push_back(std::move(fb));
      labels.push_back(std::move(fl));
      objectness.push_back(std::move(fo));
      frames.push_back(static_cast<uint64_t>(t));
    }
    r["frame_indices"] = std::move(frames);
    r["boxes"] = std::move(boxes);
    r["labels"] = std::move(labels);
    r["objectness"] = std::move(objectness);
    out.push_back(std::move(r));
  }
  release(root);
  return out;
}

}  // namespace grove::io
