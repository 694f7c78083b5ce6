// See prediction_pickle.h.
#include "io/prediction_pickle.h"

#include <cstring>
#include <memory>

#include "core/error.h"
#include "io/numpy_pickle.h"
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

std::vector<Record> predictions_from_pickle(std::string_view data, const std::string& where) {
  PyRef root = unpickle_with_numpy(data, where);
  std::vector<Record> out;
  auto fail = [&](const std::string& what) { throw Error(where, what); };
  if (root->type != PyObject::Type::Dict) fail("not a prediction pickle: the top level is " + root->describe());
  auto array = [&](const PyRef& v) -> const NumpyArray& {
    const NumpyArray* a = as_numpy(v);
    if (!a || !a->strings.empty() || !a->objects.empty()) fail("expected a numeric numpy array, found " + v->describe());
    return *a;
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
      const NumpyArray& b = array(bl[t]);
      Record fb = Record::array();
      for (size_t i = 0; i + 3 < b.numbers.size(); i += 4) fb.push_back({b.numbers[i], b.numbers[i + 1], b.numbers[i + 2], b.numbers[i + 3]});
      Record fl = strings(ll[t]);
      while (fl.size() < fb.size()) fl.push_back("");  // boxes past the last phrase
      Record fo = Record::array();
      if (t < pl.size())
        for (double p : array(pl[t]).numbers) fo.push_back(p);
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
