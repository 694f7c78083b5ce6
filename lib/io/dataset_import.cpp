// See dataset_import.h.
#include "io/dataset_import.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "core/error.h"
#include "core/strings.h"
#include "io/numpy_pickle.h"
#include "io/schema.h"

namespace grove::io {

namespace {

const Record& field(const Record& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) throw Error(where, std::string("no field \"") + name + "\"");
  return *it;
}

uint64_t as_uint(const Record& v, const char* name, const std::string& where) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d >= 0 && d == std::floor(d) && d < 9e15) return static_cast<uint64_t>(d);
  }
  throw Error(where, std::string("\"") + name + "\" must be a non-negative integer, found " + shown(v));
}

double as_number(const Record& v, const char* name, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  throw Error(where, std::string("\"") + name + "\" must be a number, found " + shown(v));
}

std::string as_string(const Record& v, const char* name, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();  // ids pickled as ints
  throw Error(where, std::string("\"") + name + "\" must be a string, found " + shown(v));
}

Record box_of(const Record& b, const std::string& where) {
  if (!b.is_array() || b.size() != 4) throw Error(where, "a box must be 4 numbers, found " + shown(b));
  Record out = Record::array();
  for (const auto& x : b) out.push_back(as_number(x, "box", where));
  return out;
}

// A frame's boxes: a list of boxes, a (K,4) array, or a single flat box.
Record frame_boxes(const Record& f, const std::string& where) {
  Record out = Record::array();
  if (!f.is_array()) throw Error(where, "a frame's boxes must be a list, found " + shown(f));
  if (f.size() == 4 && std::all_of(f.begin(), f.end(), [](const Record& x) { return x.is_number(); })) {
    out.push_back(box_of(f, where));
    return out;
  }
  for (const auto& b : f) out.push_back(box_of(b, where));
  return out;
}

Record frame_labels(const Record& f, const std::string& where) {
  Record out = Record::array();
  if (f.is_string()) {
    out.push_back(f);
    return out;
  }
  if (!f.is_array()) throw Error(where, "a frame's labels must be a list of strings, found " + shown(f));
  for (const auto& l : f) out.push_back(as_string(l, "label", where));
  return out;
}

Record string_list(const Record& v, const char* name, const std::string& where) {
  Record out = Record::array();
  if (v.is_string()) {
    out.push_back(v);
    return out;
  }
  if (!v.is_array()) throw Error(where, std::string("\"") + name + "\" must be a list of strings");
  for (const auto& s : v) out.push_back(as_string(s, name, where));
  return out;
}

void tag(Record& r, const ImportTags& tags) {
  if (!tags.dataset.empty()) r["dataset"] = tags.dataset;
  if (!tags.split.empty()) r["split"] = tags.split;
}

std::string read_text(const PyRef& v) { return v->s; }

Record numpy_to_json(const NumpyArray& a, size_t dim, int64_t& pos, const std::string& where, int depth);

Record to_json(const PyRef& v, const std::string& where, int depth) {
  if (depth > 64) throw Error(where, "pickled value nested too deeply");
  switch (v->type) {
    case PyObject::Type::None: return nullptr;
    case PyObject::Type::Bool: return v->b;
    case PyObject::Type::Int: return v->i;
    case PyObject::Type::Float: return v->f;
    case PyObject::Type::String:
    case PyObject::Type::Bytes: return read_text(v);
    case PyObject::Type::List:
    case PyObject::Type::Tuple: {
      Record out = Record::array();
      for (const auto& x : v->items) out.push_back(to_json(x, where, depth + 1));
      return out;
    }
    case PyObject::Type::Dict: {
      Record out = Record::object();
      for (const auto& [k, x] : v->dict) {
        std::string key = k->type == PyObject::Type::Int ? std::to_string(k->i) : k->s;
        out[key] = to_json(x, where, depth + 1);
      }
      return out;
    }
    default: break;
  }
  if (const NumpyArray* a = as_numpy(v)) {
    int64_t pos = 0;
    return numpy_to_json(*a, 0, pos, where, depth);
  }
  throw Error(where, "cannot read a pickled " + v->describe() + " here");
}

Record numpy_to_json(const NumpyArray& a, size_t dim, int64_t& pos, const std::string& where, int depth) {
  auto element = [&](int64_t i) -> Record {
    if (a.kind == 'O') return to_json(a.objects[i], where, depth + 1);
    if (a.kind == 'U' || a.kind == 'S') return a.strings[i];
    if (a.kind == 'f') return a.numbers[i];
    if (a.kind == 'b') return a.numbers[i] != 0;
    return numpy_int(a.numbers[i], where);
  };
  if (a.shape.empty()) return element(pos++);
  Record out = Record::array();
  for (int64_t i = 0; i < a.shape[dim]; ++i) {
    if (dim + 1 == a.shape.size()) out.push_back(element(pos++));
    else out.push_back(numpy_to_json(a, dim + 1, pos, where, depth + 1));
  }
  return out;
}

bool looks_like_annotation(const Record& v) { return v.is_object() && v.contains("bboxes") && v.contains("labels"); }

// The frame at x frames (seconds times fps): int(round(x)) as the original computes it, 0 for negative values (and
// NaN). A number no frame reaches (inf, 1e93) is refused: its conversion to an integer is undefined.
uint64_t frame_at(double x, const char* name, const std::string& where) {
  const double f = std::max(0.0, std::floor(x + 0.5));
  if (!(f < 9e15)) throw Error(where, std::string("\"") + name + "\" times fps gives no frame number (" + std::to_string(x) + ")");
  return static_cast<uint64_t>(f);
}

// Python's int(x) for a float: truncation toward zero.
int64_t py_int(double x) { return static_cast<int64_t>(std::trunc(x)); }

}  // namespace

Record pickle_value_to_json(const PyRef& v, const std::string& where) { return to_json(v, where, 0); }

Record howtoground_sample(const std::string& key, const Record& a, const ImportTags& tags, const std::string& where) {
  const std::string w = where + ": " + key;
  if (!a.is_object()) throw Error(w, "an annotation must be a dict");
  Record r = Record::object();
  r["type"] = "sample";
  r["id"] = key;
  if (a.contains("video_id")) r["video_id"] = as_string(a["video_id"], "video_id", w);
  if (a.contains("clip_id")) {
    const Record& c = a["clip_id"];
    if (c.is_string()) r["clip_id"] = c;
    else r["clip_id"] = as_uint(c, "clip_id", w);
  }
  r["video_fname"] = as_string(field(a, "video_fname", w), "video_fname", w);
  r["fps"] = as_number(field(a, "fps", w), "fps", w);
  r["clip_start_frame"] = as_uint(field(a, "clip_start_frame", w), "clip_start_frame", w);
  r["clip_end_frame"] = as_uint(field(a, "clip_end_frame", w), "clip_end_frame", w);
  r["width"] = as_uint(field(a, "width", w), "width", w);
  r["height"] = as_uint(field(a, "height", w), "height", w);
  r["caption"] = as_string(field(a, "caption", w), "caption", w);
  r["tagged_caption"] = a.contains("tagged_caption") ? as_string(a["tagged_caption"], "tagged_caption", w) : "";
  r["phrases"] = a.contains("phrases") ? string_list(a["phrases"], "phrases", w) : Record::array();
  Record boxes = Record::array(), labels = Record::array();
  const Record& fb = field(a, "bboxes", w);
  const Record& fl = field(a, "labels", w);
  if (!fb.is_array() || !fl.is_array()) throw Error(w, "\"bboxes\" and \"labels\" must be lists over frames");
  for (const auto& f : fb) boxes.push_back(frame_boxes(f, w));
  for (const auto& f : fl) labels.push_back(frame_labels(f, w));
  r["bboxes"] = std::move(boxes);
  r["labels"] = std::move(labels);
  if (a.contains("frame_indices")) {
    Record fi = Record::array();
    for (const auto& x : a["frame_indices"]) fi.push_back(as_uint(x, "frame_indices", w));
    r["frame_indices"] = std::move(fi);
  }
  tag(r, tags);
  require_valid(r, where);
  return r;
}

ImportResult import_howtoground_pickle(std::string_view data, const std::string& stem, const ImportTags& tags,
                                       const std::string& where) {
  PyRef root = unpickle_with_numpy(data, where);
  ImportResult out;
  try {
    if (root->type != PyObject::Type::Dict) throw Error(where, "not an annotation pickle: the top level is " + root->describe());
    bool single = root->get("bboxes") && root->get("labels");
    if (single) {
      out.samples.push_back(howtoground_sample(stem, to_json(root, where, 0), tags, where));
    } else {
      for (const auto& [k, v] : root->dict) {
        std::string key = k->type == PyObject::Type::Int ? std::to_string(k->i) : k->s;
        try {
          out.samples.push_back(howtoground_sample(key, to_json(v, where, 0), tags, where));
        } catch (const Error& e) {
          out.failures.push_back({key, e.what()});
        }
      }
    }
  } catch (...) {
    release(root);
    throw;
  }
  release(root);
  return out;
}

ImportResult import_howtoground_jsonl(std::string_view text, const ImportTags& tags, const std::string& where) {
  ImportResult out;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string w = where + ":" + std::to_string(line_no);
    Record v = Record::parse(line, nullptr, false);
    if (v.is_discarded()) throw Error(w, "not valid JSON");
    std::string key;
    Record ann;
    if (looks_like_annotation(v)) {
      ann = std::move(v);
      for (const char* k : {"id", "key", "clip_key", "video_key"}) {
        if (ann.contains(k) && ann[k].is_string()) {
          key = ann[k].get<std::string>();
          break;
        }
      }
      if (key.empty() && ann.contains("video_id") && ann.contains("clip_id")) {
        key = as_string(ann["video_id"], "video_id", w) + "_" + as_string(ann["clip_id"], "clip_id", w);
      }
      if (key.empty()) {
        out.failures.push_back({"", w + ": no key (\"id\", \"key\", or video_id and clip_id)"});
        continue;
      }
    } else if (v.is_object() && v.size() == 1 && looks_like_annotation(v.begin().value())) {
      key = v.begin().key();
      ann = v.begin().value();
    } else {
      out.failures.push_back({"", w + ": not an annotation (needs \"bboxes\" and \"labels\")"});
      continue;
    }
    try {
      out.samples.push_back(howtoground_sample(key, ann, tags, w));
    } catch (const Error& e) {
      out.failures.push_back({key, e.what()});
    }
  }
  return out;
}

ImportResult import_vidstg(const Record& json, const ImportTags& tags, const std::string& where) {
  ImportResult out;
  if (!json.is_object() || !json.contains("videos") || !json["videos"].is_array() || !json.contains("trajectories")) {
    throw Error(where, "not a TubeDETR-style VidSTG file (needs \"videos\" and \"trajectories\")");
  }
  const Record& traj = json["trajectories"];
  for (const auto& v : json["videos"]) {
    std::string id = v.contains("video_id") ? as_string(v["video_id"], "video_id", where) : "";
    const std::string w = where + ": video " + id;
    try {
      if (id.empty()) throw Error(w, "no \"video_id\"");
      const double fps = as_number(field(v, "fps", w), "fps", w);
      // Frame numbers and the step stay below 2^53, so the conversions and the loop below cannot overflow.
      if (!(fps / 5 < 9e15)) throw Error(w, "fps " + std::to_string(fps) + " is not a frame rate");
      const int64_t rate = py_int(fps / 5);
      if (rate <= 0) throw Error(w, "fps " + std::to_string(fps) + " is below 5: eval_vidstg.py's frame step int(fps/5) would be 0");
      const uint64_t start = as_uint(field(v, "tube_start_frame", w), "tube_start_frame", w);
      const uint64_t end = as_uint(field(v, "tube_end_frame", w), "tube_end_frame", w);
      if (start >= 9e15 || end >= 9e15) throw Error(w, "tube frames past 9e15 are not frame numbers");
      const std::string orig = as_string(field(v, "original_video_id", w), "original_video_id", w);
      const std::string target = as_string(field(v, "target_id", w), "target_id", w);
      if (!traj.contains(orig) || !traj[orig].contains(target)) throw Error(w, "no trajectory " + orig + "/" + target);
      const Record& t = traj[orig][target];
      const std::string caption = as_string(field(v, "caption", w), "caption", w);
      Record r = Record::object();
      r["type"] = "sample";
      r["id"] = id;
      r["video_id"] = orig;
      r["video_fname"] = v.contains("video_path") ? as_string(v["video_path"], "video_path", w) : orig + ".mp4";
      r["fps"] = fps;
      r["clip_start_frame"] = start;
      r["clip_end_frame"] = end > start ? end - 1 : start;
      r["width"] = as_uint(field(v, "width", w), "width", w);
      r["height"] = as_uint(field(v, "height", w), "height", w);
      r["caption"] = caption;
      r["tagged_caption"] = "<p>" + strip(caption) + "</p>";
      r["phrases"] = Record::array({strip(caption)});
      Record boxes = Record::array(), labels = Record::array(), frames = Record::array();
      for (int64_t f = static_cast<int64_t>(start); f < static_cast<int64_t>(end) - 1; f += rate) {
        const std::string k = std::to_string(f);
        if (!t.contains(k) || !t[k].contains("bbox")) throw Error(w, "the trajectory has no box on frame " + k);
        Record b = box_of(t[k]["bbox"], w);
        Record xyxy = Record::array({b[0].get<double>(), b[1].get<double>(), b[0].get<double>() + b[2].get<double>(),
                                     b[1].get<double>() + b[3].get<double>()});
        boxes.push_back(Record::array({xyxy}));
        labels.push_back(Record::array({strip(caption)}));
        frames.push_back(static_cast<uint64_t>(f));
      }
      r["bboxes"] = std::move(boxes);
      r["labels"] = std::move(labels);
      r["frame_indices"] = std::move(frames);
      tag(r, tags);
      if (v.contains("qtype")) r["qtype"] = as_string(v["qtype"], "qtype", w);
      r["target_id"] = target;
      r["tube_start_frame"] = start;
      r["tube_end_frame"] = end;
      require_valid(r, where);
      out.samples.push_back(std::move(r));
    } catch (const Error& e) {
      out.failures.push_back({id, e.what()});
    }
  }
  return out;
}

ImportResult import_anet(const Record& json, const Record& split_ids, const std::vector<std::string>& splits,
                         const Record& timestamps, const ImportTags& tags, const std::string& where) {
  ImportResult out;
  const Record* anns = &json;
  if (json.is_object() && json.contains("annotations")) anns = &json["annotations"];
  if (!anns->is_object()) throw Error(where, "not an ActivityNet-Entities file (needs \"annotations\")");
  std::unordered_set<std::string> keep;
  const bool filter = !split_ids.is_null();
  if (filter) {
    for (const auto& s : splits) {
      if (!split_ids.contains(s) || !split_ids[s].is_array()) throw Error(where, "the split file has no split \"" + s + "\"");
      for (const auto& v : split_ids[s]) keep.insert(as_string(v, "video id", where));
    }
  }
  for (const auto& [vid, v] : anns->items()) {
    if (filter && !keep.count(vid)) continue;
    if (!v.is_object() || !v.contains("segments") || !v["segments"].is_object()) {
      out.failures.push_back({vid, where + ": " + vid + ": no \"segments\""});
      continue;
    }
    const Record* ts = timestamps.is_object() && timestamps.contains(vid) ? &timestamps[vid] : nullptr;
    for (const auto& [seg, a] : v["segments"].items()) {
      const std::string id = vid + "_" + seg;
      const std::string w = where + ": " + id;
      try {
        const Record& stamps = field(a, "timestamps", w);
        if (!stamps.is_array() || stamps.size() != 2) throw Error(w, "\"timestamps\" must be [start, end]");
        const double start = as_number(stamps[0], "timestamps", w);
        double end = as_number(stamps[1], "timestamps", w);
        std::vector<double> ft;
        if (ts) {
          for (const auto& x : *ts) ft.push_back(as_number(x, "frame timestamp", w));
          if (ft.size() >= 2) end = std::min(end, ft[ft.size() - 2]);  // the original clamps to timestamps[-2]
        }
        double fps = v.contains("fps") ? as_number(v["fps"], "fps", w) : 0;
        if (fps == 0 && ft.size() >= 2 && ft.back() > ft.front()) fps = static_cast<double>(ft.size() - 1) / (ft.back() - ft.front());
        if (ft.empty() && fps <= 0) throw Error(w, "no frame timestamps for this video and no fps: give the timestamps metadata");
        // np.linspace(start, end, 11) and the midpoints of its 10 parts.
        const double step = (end - start) / 10;
        std::vector<double> bounds(11);
        for (int i = 0; i < 11; ++i) bounds[i] = i * step + start;
        bounds[10] = end;
        Record frames = Record::array();
        for (int i = 0; i < 10; ++i) {
          const double m = (bounds[i] + bounds[i + 1]) / 2;
          if (!ft.empty()) {
            size_t best = 0;
            for (size_t k = 1; k < ft.size(); ++k)
              if (std::fabs(ft[k] - m) < std::fabs(ft[best] - m)) best = k;
            frames.push_back(static_cast<uint64_t>(best));
          } else {
            frames.push_back(frame_at(m * fps, "timestamps", w));
          }
        }
        const Record& tokens = field(a, "tokens", w);
        const Record& bnd = field(a, "process_bnd_box", w);
        const Record& find = field(a, "frame_ind", w);
        const Record& clss = field(a, "process_clss", w);
        const Record& pidx = field(a, "process_idx", w);
        if (!bnd.is_array() || !find.is_array() || !clss.is_array() || !pidx.is_array() || bnd.size() != find.size() ||
            bnd.size() != clss.size() || bnd.size() != pidx.size()) {
          throw Error(w, "process_bnd_box, frame_ind, process_clss and process_idx must be lists with one entry per box");
        }
        if (!tokens.is_array()) throw Error(w, "\"tokens\" must be a list");
        Record entities = Record::array(), boxes = Record::array(), labels = Record::array();
        for (int i = 0; i < 10; ++i) {
          boxes.push_back(Record::array());
          labels.push_back(Record::array());
        }
        std::vector<uint64_t> tagged;
        for (size_t i = 0; i < bnd.size(); ++i) {
          Record e = Record::object();
          const uint64_t f = as_uint(find[i], "frame_ind", w);
          if (f >= 10) throw Error(w, "frame_ind " + std::to_string(f) + " is not in 0..9");
          e["frame"] = f;
          e["box"] = box_of(bnd[i], w);
          e["classes"] = string_list(clss[i], "process_clss", w);
          Record idx = Record::array();
          for (const auto& x : pidx[i]) {
            idx.push_back(as_uint(x, "process_idx", w));
            tagged.push_back(idx.back().get<uint64_t>());
          }
          e["word_indices"] = std::move(idx);
          if (a.contains("crowds") && a["crowds"].is_array() && i < a["crowds"].size()) e["crowd"] = a["crowds"][i];
          boxes[f].push_back(e["box"]);
          labels[f].push_back(e["classes"].empty() ? std::string() : lower(e["classes"][0].get<std::string>()));
          entities.push_back(std::move(e));
        }
        std::sort(tagged.begin(), tagged.end());
        tagged.erase(std::unique(tagged.begin(), tagged.end()), tagged.end());
        std::string caption, tagged_caption;
        Record phrases = Record::array(), toks = Record::array();
        for (size_t i = 0; i < tokens.size(); ++i) {
          const std::string t = as_string(tokens[i], "tokens", w);
          toks.push_back(t);
          const bool is_tagged = std::binary_search(tagged.begin(), tagged.end(), i);
          caption += (i ? " " : "") + t;
          tagged_caption += (i ? " " : "") + (is_tagged ? "<p>" + lower(t) + "</p>" : lower(t));
          if (is_tagged) phrases.push_back(lower(t));
        }
        Record r = Record::object();
        r["type"] = "sample";
        r["id"] = id;
        r["video_id"] = vid;
        r["clip_id"] = seg;
        r["video_fname"] = vid + ".mp4";
        r["fps"] = fps;
        uint64_t lo = frames[0].get<uint64_t>(), hi = lo;
        for (const auto& f : frames) {
          lo = std::min(lo, f.get<uint64_t>());
          hi = std::max(hi, f.get<uint64_t>());
        }
        r["clip_start_frame"] = lo;
        r["clip_end_frame"] = hi;
        r["width"] = static_cast<uint64_t>(720);  // the annotation's frames are 720 pixels wide
        r["height"] = v.contains("rheight") ? as_uint(v["rheight"], "rheight", w) : static_cast<uint64_t>(0);
        r["caption"] = lower(caption);
        r["tagged_caption"] = tagged_caption;
        r["phrases"] = std::move(phrases);
        r["bboxes"] = std::move(boxes);
        r["labels"] = std::move(labels);
        r["frame_indices"] = std::move(frames);
        tag(r, tags);
        r["tokens"] = std::move(toks);
        r["entities"] = std::move(entities);
        r["timestamps"] = Record::array({start, as_number(stamps[1], "timestamps", w)});
        require_valid(r, where);
        out.samples.push_back(std::move(r));
      } catch (const Error& e) {
        out.failures.push_back({id, e.what()});
      }
    }
  }
  return out;
}

ImportResult import_youcook_pickle(std::string_view data, const std::string& dataset, const ImportTags& tags,
                                   const std::string& where) {
  PyRef root = unpickle_with_numpy(data, where);
  Record list;
  try {
    list = to_json(root, where, 0);
  } catch (...) {
    release(root);
    throw;
  }
  release(root);
  if (!list.is_array()) throw Error(where, "not a YouCook-Interactions / GroundingYouTube pickle: the top level must be a list");
  const std::string seg_key = "segment_" + dataset + "_idx";
  ImportResult out;
  size_t n = 0;
  for (const auto& a : list) {
    ++n;
    std::string id;
    const std::string w0 = where + ": entry " + std::to_string(n);
    try {
      if (!a.is_object()) throw Error(w0, "an entry must be a dict");
      id = as_string(field(a, "video_id", w0), "video_id", w0) + "_" + as_string(field(a, seg_key.c_str(), w0), seg_key.c_str(), w0);
      const std::string w = where + ": " + id;
      const double fps = as_number(field(a, "fps", w), "fps", w);
      const Record& secs = field(a, "secs_relative", w);
      const Record& gt = field(a, "segment_bboxes", w);
      if (!secs.is_array() || !gt.is_array()) throw Error(w, "secs_relative and segment_bboxes must be lists");
      const std::string caption = as_string(field(a, "caption", w), "caption", w);
      Record boxes = Record::array(), labels = Record::array(), frames = Record::array(), seconds = Record::array();
      // eval_youcookinteractions.py pairs boxes with seconds by position (zip); a box list longer than the
      // seconds has no frame and is left out, as zip leaves it.
      for (size_t i = 0; i < secs.size() && i < gt.size(); ++i) {
        const double s = as_number(secs[i], "secs_relative", w);
        seconds.push_back(s);
        frames.push_back(frame_at(s * fps, "secs_relative", w));
        const Record& b = gt[i];
        if (b.is_array() && !b.empty()) {
          boxes.push_back(Record::array({box_of(b, w)}));
          labels.push_back(Record::array({strip(caption)}));
        } else {
          boxes.push_back(Record::array());
          labels.push_back(Record::array());
        }
      }
      uint64_t lo = 0, hi = 0;
      if (a.contains("pts") && a["pts"].is_array() && !a["pts"].empty()) {
        lo = frame_at(as_number(a["pts"].front(), "pts", w) * fps, "pts", w);
        hi = frame_at(as_number(a["pts"].back(), "pts", w) * fps, "pts", w);
      } else if (!frames.empty()) {
        lo = hi = frames[0].get<uint64_t>();
        for (const auto& f : frames) {
          lo = std::min(lo, f.get<uint64_t>());
          hi = std::max(hi, f.get<uint64_t>());
        }
      }
      Record r = Record::object();
      r["type"] = "sample";
      r["id"] = id;
      r["video_id"] = as_string(a["video_id"], "video_id", w);
      r["clip_id"] = as_string(a[seg_key], seg_key.c_str(), w);
      r["video_fname"] = a.contains("video_fname") ? as_string(a["video_fname"], "video_fname", w) : r["video_id"].get<std::string>() + ".mp4";
      r["fps"] = fps;
      r["clip_start_frame"] = lo;
      r["clip_end_frame"] = std::max(lo, hi);
      r["width"] = a.contains("width") ? as_uint(a["width"], "width", w) : 0;
      r["height"] = a.contains("height") ? as_uint(a["height"], "height", w) : 0;
      r["caption"] = caption;
      r["tagged_caption"] = "<p>" + strip(caption) + "</p>";
      r["phrases"] = Record::array({strip(caption)});
      r["bboxes"] = std::move(boxes);
      r["labels"] = std::move(labels);
      r["frame_indices"] = std::move(frames);
      tag(r, tags);
      r["target_seconds"] = std::move(seconds);
      require_valid(r, where);
      out.samples.push_back(std::move(r));
    } catch (const Error& e) {
      out.failures.push_back({id, e.what()});
    }
  }
  return out;
}

}  // namespace grove::io
