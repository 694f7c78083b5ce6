#include "io/schema.h"

#include <functional>
#include <map>

#include "core/error.h"

namespace grove::io {

namespace {

using Check = std::function<bool(const Record&)>;

struct Field {
  const char* name;
  const char* kind;  // for messages: "a string", "an array of boxes", ...
  Check ok;
  bool required;
};

bool is_uint(const Record& v) { return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0); }
bool is_str(const Record& v) { return v.is_string(); }
bool is_num(const Record& v) { return v.is_number(); }
bool is_box(const Record& v) { return v.is_array() && v.size() == 4 && std::all_of(v.begin(), v.end(), is_num); }

Check array_of(Check each) {
  return [each](const Record& v) { return v.is_array() && std::all_of(v.begin(), v.end(), each); };
}
bool str_or_uint(const Record& v) { return is_str(v) || is_uint(v); }
bool num_map(const Record& v) {
  if (!v.is_object()) return false;
  for (const auto& [k, x] : v.items()) {
    if (!x.is_number() && !x.is_null()) return false;
  }
  return true;
}
const Check kStr = is_str, kUint = is_uint, kNum = is_num, kStrArray = array_of(is_str),
            kUintArray = array_of(is_uint), kNumArray = array_of(is_num),
            kBoxesPerFrame = array_of(array_of(is_box)), kStringsPerFrame = array_of(array_of(is_str)),
            kNumbersPerFrame = array_of(array_of(is_num)),
            kBinArray = array_of([](const Record& v) { return v.is_binary(); });

std::map<std::string, std::vector<Field>> make_spec();

const std::map<std::string, std::vector<Field>>& spec() {
  static const std::map<std::string, std::vector<Field>> s = make_spec();
  return s;
}

std::map<std::string, std::vector<Field>> make_spec() {
  std::map<std::string, std::vector<Field>> s = {
      {"header",
       {{"format", "a string", kStr, true},
        {"version", "an integer", is_uint, true},
        {"tool", "a string", kStr, true},
        {"tool_version", "a string", kStr, true}}},
      {"frames",
       {{"id", "a string", kStr, true},
        {"source", "a string", kStr, true},
        {"fps", "a number", kNum, true},
        {"width", "an unsigned integer", kUint, true},
        {"height", "an unsigned integer", kUint, true},
        {"frame_indices", "an array of unsigned integers", kUintArray, true},
        {"timestamps", "an array of numbers", kNumArray, true},
        {"pixel_format", "a string", kStr, true},
        {"pixel_width", "an unsigned integer", kUint, true},
        {"pixel_height", "an unsigned integer", kUint, true},
        {"pixels", "an array of binary", kBinArray, true},
        {"clip_start_frame", "an unsigned integer", kUint, false},
        {"clip_end_frame", "an unsigned integer", kUint, false},
        {"sampling", "a string", kStr, false}}},
      {"sample",
       {{"id", "a string", kStr, true},
        {"video_id", "a string", kStr, false},
        {"clip_id", "a string or an unsigned integer", str_or_uint, false},
        {"video_fname", "a string", kStr, true},
        {"fps", "a number", kNum, true},
        {"clip_start_frame", "an unsigned integer", kUint, true},
        {"clip_end_frame", "an unsigned integer", kUint, true},
        {"width", "an unsigned integer", kUint, true},
        {"height", "an unsigned integer", kUint, true},
        {"caption", "a string", kStr, true},
        {"tagged_caption", "a string", kStr, true},
        {"phrases", "an array of strings", kStrArray, true},
        {"bboxes", "an array (one per frame) of arrays of [x1,y1,x2,y2]", kBoxesPerFrame, true},
        {"labels", "an array (one per frame) of arrays of strings", kStringsPerFrame, true},
        {"frame_indices", "an array of unsigned integers", kUintArray, false},
        {"dataset", "a string", kStr, false},
        {"split", "a string", kStr, false}}},
      {"prediction",
       {{"id", "a string", kStr, true},
        {"caption", "a string", kStr, true},
        {"tagged_caption", "a string", kStr, true},
        {"phrases", "an array of strings", kStrArray, true},
        {"frame_indices", "an array of unsigned integers", kUintArray, true},
        {"boxes", "an array (one per frame) of arrays of [x1,y1,x2,y2]", kBoxesPerFrame, true},
        {"labels", "an array (one per frame) of arrays of strings", kStringsPerFrame, true},
        {"objectness", "an array (one per frame) of arrays of numbers", kNumbersPerFrame, true},
        {"width", "an unsigned integer", kUint, false},
        {"height", "an unsigned integer", kUint, false},
        {"source", "a string", kStr, false},
        {"protocol", "a string", kStr, false},
        {"model", "a string", kStr, false}}},
      {"metrics",
       {{"id", "a string", kStr, true},
        {"benchmark", "a string", kStr, true},
        {"values", "a map of numbers", num_map, true},
        {"count", "an unsigned integer", kUint, false},
        {"notes", "an array of strings", kStrArray, false}}},
      {"error",
       {{"id", "a string", kStr, true},
        {"tool", "a string", kStr, true},
        {"source", "a string", kStr, true},
        {"message", "a string", kStr, true}}},
  };
  // frame_captions (grove-annotate's stage 1): its frames record's description of the clip, without the pixels,
  // plus a caption, boxes and labels per frame.
  for (const Field& f : s["frames"])
    for (const char* name : {"id", "source", "fps", "width", "height", "frame_indices", "timestamps", "clip_start_frame",
                             "clip_end_frame"})
      if (std::string(f.name) == name) s["frame_captions"].push_back(f);
  for (Field f : std::vector<Field>{
           {"tagged_captions", "an array of strings", kStrArray, true},
           {"boxes", "an array (one per frame) of arrays of [x1,y1,x2,y2]", kBoxesPerFrame, true},
           {"labels", "an array (one per frame) of arrays of strings", kStringsPerFrame, true},
           {"model", "a string", kStr, false}})
    s["frame_captions"].push_back(f);
  // video_caption (stage 2): a frame_captions record plus the video-level caption.
  s["video_caption"] = s["frame_captions"];
  for (Field f : std::vector<Field>{{"caption", "a string", kStr, true},
                                    {"tagged_caption", "a string", kStr, true},
                                    {"phrases", "an array of strings", kStrArray, true},
                                    {"frame_clauses", "a string", kStr, false}})
    s["video_caption"].push_back(f);
  return s;
}

std::string q(const std::string& s) { return "\"" + s + "\""; }

void check_lengths(const Record& r, const std::string& type, std::vector<std::string>& out) {
  auto len_eq = [&](const char* a, const char* b) {
    if (r.contains(a) && r.contains(b) && r[a].is_array() && r[b].is_array() && r[a].size() != r[b].size()) {
      out.push_back(q(a) + " has " + std::to_string(r[a].size()) + " entries but " + q(b) + " has " +
                    std::to_string(r[b].size()));
    }
  };
  auto per_frame_eq = [&](const char* a, const char* b) {
    if (!r.contains(a) || !r.contains(b) || !r[a].is_array() || !r[b].is_array()) return;
    for (size_t i = 0; i < r[a].size() && i < r[b].size(); ++i) {
      if (r[a][i].size() != r[b][i].size()) {
        out.push_back("frame " + std::to_string(i) + " has " + std::to_string(r[a][i].size()) + " " + a + " but " +
                      std::to_string(r[b][i].size()) + " " + b);
        return;
      }
    }
  };
  if (type == "frames") {
    len_eq("frame_indices", "timestamps");
    len_eq("frame_indices", "pixels");
    if (r.contains("pixels") && r["pixels"].is_array() && is_uint(r.value("pixel_width", Record())) &&
        is_uint(r.value("pixel_height", Record()))) {
      uint64_t want = r["pixel_width"].get<uint64_t>() * r["pixel_height"].get<uint64_t>() * 3;
      for (size_t i = 0; i < r["pixels"].size(); ++i) {
        if (r["pixels"][i].is_binary() && r["pixels"][i].get_binary().size() != want) {
          out.push_back("frame " + std::to_string(i) + " has " + std::to_string(r["pixels"][i].get_binary().size()) +
                        " pixel bytes, expected pixel_width*pixel_height*3 = " + std::to_string(want));
          break;
        }
      }
    }
  } else if (type == "sample") {
    len_eq("bboxes", "labels");
    if (r.contains("frame_indices")) len_eq("frame_indices", "bboxes");
    per_frame_eq("bboxes", "labels");
    if (is_uint(r.value("clip_start_frame", Record())) && is_uint(r.value("clip_end_frame", Record())) &&
        r["clip_end_frame"].get<uint64_t>() < r["clip_start_frame"].get<uint64_t>()) {
      out.push_back("clip_end_frame is before clip_start_frame");
    }
  } else if (type == "frame_captions" || type == "video_caption") {
    len_eq("frame_indices", "timestamps");
    len_eq("frame_indices", "tagged_captions");
    len_eq("frame_indices", "boxes");
    len_eq("frame_indices", "labels");
    per_frame_eq("boxes", "labels");
  } else if (type == "prediction") {
    len_eq("frame_indices", "boxes");
    len_eq("frame_indices", "labels");
    len_eq("frame_indices", "objectness");
    per_frame_eq("boxes", "labels");
  }
}

}  // namespace

const std::vector<std::string>& record_types() {
  static const std::vector<std::string> t = {"header", "frames", "sample", "prediction", "frame_captions", "video_caption", "metrics", "error"};
  return t;
}

std::vector<std::string> validate(const Record& r) {
  std::vector<std::string> out;
  if (!r.is_object()) return {"a record must be a map"};
  std::string type = record_type(r);
  if (type.empty()) return {"a record needs a string field \"type\""};
  auto it = spec().find(type);
  if (it == spec().end()) return out;
  for (const Field& f : it->second) {
    auto v = r.find(f.name);
    if (v == r.end()) {
      if (f.required) out.push_back("missing field " + q(f.name));
    } else if (!f.ok(*v)) {
      out.push_back("field " + q(f.name) + " must be " + f.kind);
    }
  }
  check_lengths(r, type, out);
  return out;
}

void require_valid(const Record& r, const std::string& where) {
  auto problems = validate(r);
  if (problems.empty()) return;
  std::string id = record_id(r);
  std::string what = (record_type(r).empty() ? std::string("record") : record_type(r) + " record") +
                     (id.empty() ? "" : " " + q(id)) + ": " + problems.front();
  if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more problems)";
  throw Error(where, what);
}

}  // namespace grove::io
