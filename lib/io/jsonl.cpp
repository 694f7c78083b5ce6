#include "io/jsonl.h"

#include <cmath>

#include "core/error.h"
#include "io/base64.h"

namespace grove::io {

namespace {

// Copies r with the values JSON cannot hold replaced by their one-key objects.
Record to_json_form(const Record& r) {
  using T = Record::value_t;
  switch (r.type()) {
    case T::binary: return Record{{"$base64", base64_encode(r.get_binary())}};
    case T::number_float: {
      double v = r.get<double>();
      if (std::isnan(v)) return Record{{"$float", "nan"}};
      if (std::isinf(v)) return Record{{"$float", v > 0 ? "inf" : "-inf"}};
      return r;
    }
    case T::array: {
      Record a = Record::array();
      for (const auto& v : r) a.push_back(to_json_form(v));
      return a;
    }
    case T::object: {
      Record o = Record::object();
      for (const auto& [k, v] : r.items()) o[k] = to_json_form(v);
      return o;
    }
    default: return r;
  }
}

void from_json_form(Record& r, const std::string& where, size_t depth_left) {
  if ((r.is_array() || r.is_object()) && depth_left == 0) throw Error(where, "record is nested too deeply (GROVE_MAX_DEPTH)");
  if (r.is_array()) {
    for (auto& v : r) from_json_form(v, where, depth_left - 1);
  } else if (r.is_object()) {
    if (r.size() == 1 && r.begin().value().is_string()) {
      const std::string& key = r.begin().key();
      const std::string& text = r.begin().value().get_ref<const std::string&>();
      if (key == "$base64") {
        auto bytes = base64_decode(text);
        if (!bytes) throw Error(where, "invalid base64 in a \"$base64\" value");
        r = Record::binary(std::move(*bytes));
        return;
      }
      if (key == "$float") {
        if (text == "nan") r = std::nan("");
        else if (text == "inf") r = HUGE_VAL;
        else if (text == "-inf") r = -HUGE_VAL;
        else throw Error(where, "\"$float\" must be \"nan\", \"inf\" or \"-inf\", not \"" + text + "\"");
        return;
      }
    }
    for (auto& [k, v] : r.items()) from_json_form(v, where, depth_left - 1);
  }
}

}  // namespace

std::string to_json_line(const Record& r) {
  try {
    return to_json_form(r).dump();
  } catch (const nlohmann::json::type_error& e) {
    throw Error(record_id(r).empty() ? "record" : record_id(r), "cannot write as JSON: " + std::string(e.what()));
  }
}

Record from_json_line(const std::string& line, const std::string& where, size_t line_no, size_t max_depth) {
  const std::string at = where + ":" + std::to_string(line_no);
  Record r;
  try {
    r = Record::parse(line);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);  // drop "[json.exception...]"
    throw Error(at, "invalid JSON: " + what);
  }
  from_json_form(r, at, max_depth);
  return r;
}

}  // namespace grove::io
