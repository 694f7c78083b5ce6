// UTF-8 helpers shared across the library: sequence lengths, decoding and encoding one code point, and the two
// ways tokenizers repair ill-formed bytes (SentencePiece's, per byte; Python's and Rust's, per maximal subpart).
// Invalid input never throws.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace grove {

// The length of the UTF-8 sequence a lead byte starts; 1 for a stray continuation or invalid byte.
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// How the bytes at s[i] read as UTF-8 under the Unicode standard's rules (no overlong forms, no surrogates, nothing
// above U+10FFFF): a valid sequence of *length bytes (valid = true), or an ill-formed one whose maximal subpart
// (the longest prefix some valid sequence starts with; at least 1 byte) is *length bytes long.
inline bool utf8_scan(std::string_view s, size_t i, size_t* length) {
  const auto lead = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead < 0x80) {
    n = 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) lo = 0xA0;  // shorter forms are overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  }
  *length = 1;
  if (n == 1) return true;
  if (n == 0) return false;
  for (size_t k = 1; k < n; ++k, ++*length) {
    if (i + k >= s.size()) return false;
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (c < lo || c > hi) : (c & 0xC0) != 0x80) return false;
  }
  return true;
}

// Bytes as UTF-8 text: valid sequences kept, each ill-formed one replaced by U+FFFD; ONE_PER_BYTE says whether
// the replacement covers one byte or the whole maximal subpart. (Use the two named rules below.)
inline std::string utf8_repaired(std::string_view bytes, bool one_per_byte) {
  std::string out;
  for (size_t at = 0, n = 0; at < bytes.size(); at += n) {
    if (utf8_scan(bytes, at, &n)) {
      out.append(bytes.substr(at, n));
    } else {
      out += "\xEF\xBF\xBD";
      if (one_per_byte) n = 1;
    }
  }
  return out;
}

// Bytes as UTF-8 text, SentencePiece's way (as the slow LLaMA tokenizer decodes byte pieces): valid characters are
// kept and each byte that does not start one becomes U+FFFD.
inline std::string utf8_lossy(std::string_view bytes) { return utf8_repaired(bytes, true); }

// Bytes as UTF-8 text, Python's bytes.decode("utf-8", "replace") and Rust's String::from_utf8_lossy (as Hugging Face's
// byte-level decoder does it): each maximal ill-formed subpart becomes one U+FFFD.
inline std::string utf8_replace(std::string_view bytes) { return utf8_repaired(bytes, false); }

// The code point at s[i] and its length in bytes (*len). A truncated or malformed sequence decodes as its
// lead byte alone (length 1), so a scan over any bytes always advances.
inline char32_t utf8_decode(std::string_view s, size_t i, size_t* len) {
  const auto lead = static_cast<unsigned char>(s[i]);
  size_t n = utf8_length(lead);
  if (i + n > s.size()) n = 1;
  char32_t cp = n == 1 ? lead : n == 2 ? (lead & 0x1F) : n == 3 ? (lead & 0x0F) : (lead & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) {
      n = 1;
      cp = lead;
      break;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  *len = n;
  return cp;
}

// Appends the UTF-8 bytes of code point CP to OUT.
inline void utf8_append(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace grove
