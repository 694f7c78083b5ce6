// See grounding_records.h.
#include "eval/grounding_records.h"

#include <map>

#include "core/error.h"
#include "video/sampling.h"

namespace grove::eval {

namespace {

using io::Record;

const Record& need(const Record& r, const char* name, const std::string& where) {
  auto it = r.find(name);
  if (it == r.end()) throw Error(where, std::string("needs a field \"") + name + "\"");
  return *it;
}

Box box(const Record& b, const std::string& where) {
  if (!b.is_array() || b.size() != 4) throw Error(where, "a box must be [x1, y1, x2, y2]");
  return {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
}

std::vector<uint64_t> sample_frames(const Record& sample) {
  std::vector<uint64_t> out;
  for (int64_t f : video::sample_frame_indices(sample)) out.push_back(static_cast<uint64_t>(f));
  return out;
}

std::vector<uint64_t> uints(const Record& a, const std::string& where) {
  std::vector<uint64_t> out;
  if (!a.is_array()) throw Error(where, "frame_indices must be a list");
  for (const auto& x : a) out.push_back(x.get<uint64_t>());
  return out;
}

}  // namespace

std::vector<std::vector<Box>> boxes_per_frame(const Record& frames, const std::string& where) {
  std::vector<std::vector<Box>> out;
  if (!frames.is_array()) throw Error(where, "boxes must be a list over frames");
  for (const auto& f : frames) {
    std::vector<Box> fb;
    for (const auto& b : f) fb.push_back(box(b, where));
    out.push_back(std::move(fb));
  }
  return out;
}

std::vector<std::vector<std::string>> labels_per_frame(const Record& frames, bool drop_empty, const std::string& where) {
  std::vector<std::vector<std::string>> out;
  if (!frames.is_array()) throw Error(where, "labels must be a list over frames");
  for (const auto& f : frames) {
    std::vector<std::string> fl;
    for (const auto& l : f) {
      std::string s = l.get<std::string>();
      if (drop_empty && s.empty()) continue;
      fl.push_back(std::move(s));
    }
    out.push_back(std::move(fl));
  }
  return out;
}

IgroundVideo iground_video(const Record& s, const Record* p, const std::string& where) {
  IgroundVideo v;
  v.id = io::record_id(s);
  v.width = need(s, "width", where).get<double>();
  v.height = need(s, "height", where).get<double>();
  v.gt_boxes = boxes_per_frame(need(s, "bboxes", where), where);
  v.gt_labels = labels_per_frame(need(s, "labels", where), false, where);
  if (p) {
    v.has_prediction = true;
    v.pred_boxes = boxes_per_frame(need(*p, "boxes", where), where);
    v.pred_labels = labels_per_frame(need(*p, "labels", where), true, where);
  }
  return v;
}

VidstgVideo vidstg_video(const Record& s, const Record* p, const std::string& where) {
  VidstgVideo v;
  v.id = io::record_id(s);
  v.qtype = s.contains("qtype") && s["qtype"].is_string() ? s["qtype"].get<std::string>() : "unknown";
  v.frames = sample_frames(s);
  auto gt = boxes_per_frame(need(s, "bboxes", where), where);
  if (gt.size() != v.frames.size()) throw Error(where, "the sample has " + std::to_string(gt.size()) + " frames of boxes for " + std::to_string(v.frames.size()) + " frame numbers");
  for (size_t k = 0; k < gt.size(); ++k) {
    if (gt[k].empty()) throw Error(where, "VidSTG: frame " + std::to_string(v.frames[k]) + " of the tube has no box");
    v.gt.push_back(gt[k][0]);
  }
  if (p) {
    v.has_prediction = true;
    v.pred_frames = uints(need(*p, "frame_indices", where), where);
    v.pred = boxes_per_frame(need(*p, "boxes", where), where);
  }
  return v;
}

AnetSegment anet_segment(const Record& s, const Record* p, const std::string& where) {
  AnetSegment a;
  a.id = io::record_id(s);
  for (const auto& t : need(s, "tokens", where)) a.tokens.push_back(t.get<std::string>());
  for (const auto& e : need(s, "entities", where)) {
    AnetEntity x;
    x.frame = need(e, "frame", where).get<uint64_t>();
    x.box = box(need(e, "box", where), where);
    for (const auto& c : need(e, "classes", where)) x.classes.push_back(c.get<std::string>());
    for (const auto& i : need(e, "word_indices", where)) x.word_indices.push_back(i.get<uint64_t>());
    a.entities.push_back(std::move(x));
  }
  if (p) {
    a.has_prediction = true;
    for (const auto& ph : need(*p, "phrases", where)) a.pred_classes.push_back(ph.get<std::string>());
    auto boxes = boxes_per_frame(need(*p, "boxes", where), where);
    auto labels = labels_per_frame(need(*p, "labels", where), false, where);
    a.pred_boxes.assign(a.pred_classes.size(), std::vector<std::optional<Box>>(10));
    std::map<std::string, int> seen;
    std::vector<int> occurrence(a.pred_classes.size());
    for (size_t i = 0; i < a.pred_classes.size(); ++i) occurrence[i] = seen[a.pred_classes[i]]++;
    for (size_t f = 0; f < boxes.size() && f < 10; ++f) {
      for (size_t i = 0; i < a.pred_classes.size(); ++i) {
        int k = occurrence[i];
        for (size_t b = 0; b < boxes[f].size() && b < labels[f].size(); ++b) {
          if (labels[f][b] != a.pred_classes[i]) continue;
          if (k-- == 0) {
            a.pred_boxes[i][f] = boxes[f][b];
            break;
          }
        }
      }
    }
  }
  return a;
}

PointingClip pointing_clip(const Record& s, const Record* p, const std::string& where) {
  PointingClip c;
  c.id = io::record_id(s);
  c.frames = sample_frames(s);
  c.gt = boxes_per_frame(need(s, "bboxes", where), where);
  if (p) {
    c.has_prediction = true;
    c.pred_frames = uints(need(*p, "frame_indices", where), where);
    c.pred = boxes_per_frame(need(*p, "boxes", where), where);
  }
  return c;
}

}  // namespace grove::eval
