// JSON Lines, the human-readable twin of a grove stream: one record per line, map order kept. What JSON cannot
// say directly is written as a one-key object: binary fields as {"$base64": "..."} and non-finite floats as
// {"$float": "nan" | "inf" | "-inf"}. Integral floats keep a ".0", so every number keeps its msgpack kind.
#pragma once
#include <string>

#include "io/record.h"

namespace grove::io {

// The record as one line of JSON (no newline). Throws grove::Error if a string is not valid UTF-8.
std::string to_json_line(const Record& r);

// Parses one line; 'where' and line_no name it in errors; arrays and maps nest at most max_depth levels.
Record from_json_line(const std::string& line, const std::string& where, size_t line_no, size_t max_depth = 64);

}  // namespace grove::io
