// Small string helpers shared across the library.
#pragma once
#include <string>
#include <string_view>

namespace grove {

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Every occurrence of FROM (not empty) replaced by TO, left to right; the replacement text is not searched again.
inline std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// ASCII letters lower-cased (Python's str.lower() on the ASCII texts grove compares).
inline std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Python's str.strip(): the characters in 'chars' (by default ASCII white space) removed from both ends.
inline std::string strip(const std::string& s, const std::string& chars = " \t\n\r\f\v") {
  const size_t a = s.find_first_not_of(chars);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(chars) - a + 1);
}

// Python's ' '.join(s.split()): runs of ASCII white space become one space, none at the ends.
inline std::string collapse_spaces(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

// The length of the UTF-8 sequence a lead byte starts; 1 for a stray continuation or invalid byte.
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Bytes as UTF-8 text: each byte that does not start a valid sequence becomes U+FFFD (Python's
// bytes.decode("utf-8", "replace") per byte, as tokenizers decode byte pieces).
inline std::string utf8_lossy(const std::string& bytes) {
  std::string out;
  for (size_t at = 0; at < bytes.size();) {
    const auto lead = static_cast<unsigned char>(bytes[at]);
    const size_t n = utf8_length(lead);
    bool ok = at + n <= bytes.size() && (lead < 0x80 || n > 1);
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(bytes[at + k]) & 0xC0) == 0x80;
    if (ok) {
      out.append(bytes, at, n);
      at += n;
    } else {
      out += "\xEF\xBF\xBD";
      at += 1;
    }
  }
  return out;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace grove
