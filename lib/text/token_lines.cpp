// See token_lines.h.
#include "text/token_lines.h"

#include <cerrno>
#include <cstdlib>

#include "core/error.h"

namespace grove::text {

std::string unescape(const std::string& line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\' || i + 1 == line.size()) {
      out += line[i];
      continue;
    }
    const char c = line[i + 1];
    const char* named = c == 'n' ? "\n" : c == 't' ? "\t" : c == 'r' ? "\r" : c == '\\' ? "\\" : nullptr;
    if (named) {
      out += named;
      ++i;
    } else {
      out += '\\';
    }
  }
  return out;
}

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<int64_t> parse_ids(const std::string& line, const std::string& where) {
  std::vector<int64_t> ids;
  size_t i = 0;
  auto separator = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '[' || c == ']' || c == '\r'; };
  while (i < line.size()) {
    if (separator(line[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < line.size() && !separator(line[j])) ++j;
    const std::string token = line.substr(i, j - i);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(token.c_str(), &end, 10);
    if (errno || end != token.c_str() + token.size())
      throw Error(where, "'" + token + "' is not a token id (expected integers separated by spaces or commas)");
    ids.push_back(v);
    i = j;
  }
  return ids;
}

std::string format_ids(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t k = 0; k < ids.size(); ++k) out += (k ? " " : "") + std::to_string(ids[k]);
  return out;
}

}  // namespace grove::text
