// The line formats of `grove-convert tokenize` and `detokenize`: one text a line in, one line of ids (or pieces)
// out, and back. Texts may carry C-style escapes (\n, \t, \\) so a prompt with newlines fits on one line; ids are
// decimal integers separated by spaces or commas (brackets allowed, so a Python list pastes in unchanged).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace grove::text {

// "\n", "\t", "\r" and "\\" become the characters they name; any other backslash is kept as it is.
std::string unescape(const std::string& line);
// The inverse of unescape for backslash, newline, tab and carriage return.
std::string escape(const std::string& text);
// "1 2 3", "[1, 2, 3]", "1,2,3" -> {1, 2, 3}; throws grove::Error(where, ...) naming the first bad token.
std::vector<int64_t> parse_ids(const std::string& line, const std::string& where);
// Ids joined by single spaces.
std::string format_ids(const std::vector<int64_t>& ids);

}  // namespace grove::text
