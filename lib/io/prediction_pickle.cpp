// See prediction_pickle.h.
#include "io/prediction_pickle.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "core/error.h"
#include "io/dataset_import.h"
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
  Released released{root};  // on every way out, errors included: the pickle may hold cycles
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
  for (const auto& [key, entry] : root->dict) {
    const std::string id = key->s;
    const PyRef& value = entry;  // a lambda may not capture a structured binding (C++17; clang refuses)
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
  return out;
}

namespace {

// The file as JSON: parsed when allow_json and its first non-blank byte is '{', else unpickled (numpy arrays
// become nested lists).
Record json_or_pickle(std::string_view data, const std::string& where, bool allow_json) {
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (allow_json && first != std::string_view::npos && data[first] == '{') {
    try {
      return Record::parse(data.begin(), data.end());
    } catch (const std::exception& e) {
      throw Error(where, std::string("not valid JSON: ") + e.what());
    }
  }
  PyRef root = unpickle_with_numpy(data, where);
  Record j;
  try {
    j = pickle_value_to_json(root, where);
  } catch (...) {
    release(root);
    throw;
  }
  release(root);
  return j;
}

void flatten(const Record& v, std::vector<double>& out) {
  if (v.is_number()) out.push_back(v.get<double>());
  else if (v.is_array())
    for (const auto& x : v) flatten(x, out);
}

// The first box of a value (a box, a (K,4) array, None): false when there is none or it has a NaN.
bool first_box(const Record& v, Record& box) {
  std::vector<double> n;
  flatten(v, n);
  if (n.size() < 4) return false;
  for (int i = 0; i < 4; ++i)
    if (std::isnan(n[i])) return false;
  box = Record::array({n[0], n[1], n[2], n[3]});
  return true;
}

uint64_t frame_number(const Record& v, const std::string& where) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_number_float() && v.get<double>() >= 0 && std::floor(v.get<double>()) == v.get<double>())
    return static_cast<uint64_t>(v.get<double>());
  throw Error(where, "a frame number must be a non-negative integer, found " + shown(v));
}

Record empty_prediction(const std::string& id) {
  Record r = Record::object();
  r["type"] = "prediction";
  r["id"] = id;
  r["caption"] = "";
  r["tagged_caption"] = "";
  r["phrases"] = Record::array();
  r["frame_indices"] = Record::array();
  r["boxes"] = Record::array();
  r["labels"] = Record::array();
  r["objectness"] = Record::array();
  return r;
}

// Adds one frame with at most one box.
void add_frame(Record& r, uint64_t frame, const Record* box, const std::string& label) {
  r["frame_indices"].push_back(frame);
  r["boxes"].push_back(box ? Record::array({*box}) : Record::array());
  r["labels"].push_back(box ? Record::array({label}) : Record::array());
  r["objectness"].push_back(Record::array());
}

const Record& member(const Record& o, const char* name, const std::string& where) {
  if (!o.is_object() || !o.contains(name)) throw Error(where, std::string("no '") + name + "'");
  return o[name];
}

}  // namespace

PredictionImport vidstg_predictions_from_pickle(std::string_view data, const std::string& where) {
  const Record root = json_or_pickle(data, where, false);
  if (!root.is_object()) throw Error(where, "not an infer_vidstg.py prediction pickle: the top level must be a dict");
  PredictionImport out;
  for (const auto& [id, v] : root.items()) {
    const std::string w = where + ": " + id;
    try {
      if (!v.is_object() || !v.contains("boxes") || !v.contains("frame_ids"))
        throw Error(w, "not an infer_vidstg.py prediction: needs 'boxes' and 'frame_ids'");
      const Record& boxes = v["boxes"];
      const Record& frames = v["frame_ids"];
      if (!boxes.is_array() || !frames.is_array()) throw Error(w, "'boxes' and 'frame_ids' must be lists");
      if (boxes.size() != frames.size())
        throw Error(w, std::to_string(boxes.size()) + " boxes for " + std::to_string(frames.size()) + " frame_ids");
      Record r = empty_prediction(id);
      for (size_t t = 0; t < boxes.size(); ++t) {
        Record box;
        const bool has = first_box(boxes[t], box);
        add_frame(r, frame_number(frames[t], w), has ? &box : nullptr, "");
      }
      if (v.contains("qtype") && v["qtype"].is_string()) r["qtype"] = v["qtype"];
      require_valid(r, w);
      out.predictions.push_back(std::move(r));
    } catch (const Error& e) {
      out.failures.push_back({id, e.what()});
    }
  }
  return out;
}

PredictionImport anet_predictions_from_submission(std::string_view data, const std::string& where) {
  const Record root = json_or_pickle(data, where, true);
  if (!root.is_object() || !root.contains("results") || !root["results"].is_object())
    throw Error(where, "not an ActivityNet-Entities submission: no \"results\" dict");
  PredictionImport out;
  for (const auto& [vid, segments] : root["results"].items()) {
    if (!segments.is_object()) {
      out.failures.push_back({vid, where + ": " + vid + ": a video's results must be a dict of segments"});
      continue;
    }
    for (const auto& [seg, s] : segments.items()) {
      const std::string id = vid + "_" + seg;
      const std::string w = where + ": " + id;
      try {
        const Record& clss = member(s, "clss", w);
        const Record& boxes = member(s, "bbox_for_all_frames", w);
        if (!clss.is_array() || !boxes.is_array()) throw Error(w, "clss and bbox_for_all_frames must be lists");
        if (boxes.size() > clss.size())
          throw Error(w, std::to_string(boxes.size()) + " phrases of boxes for " + std::to_string(clss.size()) + " clss");
        Record r = empty_prediction(id);
        for (const auto& c : clss) {
          if (!c.is_string()) throw Error(w, "clss must be strings");
          r["phrases"].push_back(c);
        }
        for (uint64_t f = 0; f < 10; ++f) {
          Record fb = Record::array(), fl = Record::array();
          for (size_t i = 0; i < boxes.size(); ++i) {
            if (!boxes[i].is_array() || f >= boxes[i].size()) continue;
            std::vector<double> n;
            flatten(boxes[i][f], n);
            if (n.size() != 4) throw Error(w, "phrase " + std::to_string(i) + "'s box on frame " + std::to_string(f) + " is not [x1, y1, x2, y2]");
            fb.push_back(Record::array({n[0], n[1], n[2], n[3]}));
            fl.push_back(clss[i]);
          }
          r["frame_indices"].push_back(f);
          r["boxes"].push_back(std::move(fb));
          r["labels"].push_back(std::move(fl));
          r["objectness"].push_back(Record::array());
        }
        require_valid(r, w);
        out.predictions.push_back(std::move(r));
      } catch (const Error& e) {
        out.failures.push_back({id, e.what()});
      }
    }
  }
  return out;
}

PredictionImport youcook_predictions_from_pickle(std::string_view data, const std::vector<Record>& samples,
                                                 const std::string& where) {
  const Record root = json_or_pickle(data, where, false);
  if (!root.is_object())
    throw Error(where, "not an infer_youcookinteractions.py / infer_groundingyoutube.py prediction pickle: the top level must be a dict");
  std::map<std::string, const Record*> by_id;
  for (const auto& s : samples)
    if (record_type(s) == "sample") by_id.emplace(record_id(s), &s);
  PredictionImport out;
  for (const auto& [id, v] : root.items()) {
    const std::string w = where + ": " + id;
    try {
      const Record& finals = member(v, "final_boxes", w);
      if (!finals.is_array()) throw Error(w, "'final_boxes' must be a list");
      auto it = by_id.find(id);
      if (it == by_id.end())
        throw Error(w, "no ground-truth sample of this id (the pickle has no frame rate: its boxes are placed on the sample's frames)");
      const Record& s = *it->second;
      if (!s.contains("frame_indices") || !s["frame_indices"].is_array())
        throw Error(w, "the ground-truth sample has no frame_indices (grove-convert import-youcook writes them)");
      const Record& frames = s["frame_indices"];
      std::string label;
      if (s.contains("phrases") && s["phrases"].is_array() && !s["phrases"].empty() && s["phrases"][0].is_string())
        label = s["phrases"][0].get<std::string>();
      Record r = empty_prediction(id);
      if (!label.empty()) r["phrases"].push_back(label);
      for (size_t i = 0; i < finals.size() && i < frames.size(); ++i) {
        Record box;
        const bool has = first_box(finals[i], box);
        add_frame(r, frame_number(frames[i], w), has ? &box : nullptr, label);
      }
      require_valid(r, w);
      out.predictions.push_back(std::move(r));
    } catch (const Error& e) {
      out.failures.push_back({id, e.what()});
    }
  }
  return out;
}

}  // namespace grove::io
