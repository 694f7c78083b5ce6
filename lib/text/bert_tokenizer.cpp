// See bert_tokenizer.h.
#include "text/bert_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace grove::text {

namespace {

namespace fs = std::filesystem;

const char* const kSpecials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

std::vector<UChar32> decode_utf8(const std::string& s) {
  std::vector<UChar32> out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

void append_utf8(std::string& out, UChar32 c) {
  char buf[4];
  int32_t k = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), k, 4, c, error);
  if (!error) out.append(buf, static_cast<size_t>(k));
}

bool is_control(UChar32 c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(c)) {
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_UNASSIGNED: case U_PRIVATE_USE_CHAR: case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool is_whitespace(UChar32 c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_isUWhiteSpace(c) || u_charType(c) == U_SPACE_SEPARATOR;
}

bool is_punctuation(UChar32 c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  switch (u_charType(c)) {
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION: case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION: case U_FINAL_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

// The CJK Unified Ideographs blocks BERT's _is_chinese_char lists (not Hangul, Hiragana or Katakana).
bool is_cjk(UChar32 c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// The full lower-case mapping of one code point (Rust's char::to_lowercase, Python's str.lower without the
// final-sigma context rule, which tokenizers does not apply either).
void append_lower(std::vector<UChar32>& out, UChar32 c) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return;
  }
  UChar src[2], dst[8];
  int32_t len = 0;
  U16_APPEND_UNSAFE(src, len, c);  // c is a valid code point: U8_NEXT gives U+FFFD for anything else
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(dst, 8, src, len, "", &status);
  if (U_FAILURE(status) || n > 8) {
    out.push_back(u_tolower(c));
    return;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 d;
    U16_NEXT(dst, i, n, d);
    out.push_back(d);
  }
}

std::vector<UChar32> strip_accents(const std::vector<UChar32>& cps) {
  bool ascii = true;
  for (UChar32 c : cps) ascii = ascii && c < 0x80;
  if (ascii) return cps;  // NFD changes nothing, and ASCII has no nonspacing mark
  icu::UnicodeString s;
  for (UChar32 c : cps) s.append(c);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw Error("ICU", "no NFD normaliser");
  icu::UnicodeString d = nfd->normalize(s, status);
  if (U_FAILURE(status)) throw Error("ICU", "NFD normalisation failed");
  std::vector<UChar32> out;
  out.reserve(cps.size());
  for (int32_t i = 0; i < d.length();) {
    const UChar32 c = d.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) != U_NON_SPACING_MARK) out.push_back(c);
  }
  return out;
}

}  // namespace

BertTokenizer::BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options, std::string source)
    : vocab_(std::move(vocab)), options_(options), source_(std::move(source)) {
  for (size_t i = 0; i < vocab_.size(); ++i) ids_[vocab_[i]] = static_cast<int32_t>(i);  // a later duplicate wins
  for (const char* s : kSpecials)
    if (ids_.count(s)) specials_.emplace_back(s);
  auto need = [&](const char* s) {
    const int32_t i = id(s);
    if (i < 0) throw Error(source_.empty() ? "vocabulary" : source_, std::string("no ") + s + " in the vocabulary");
    return i;
  };
  cls_ = need("[CLS]");
  sep_ = need("[SEP]");
  unk_ = need("[UNK]");
  pad_ = id("[PAD]") >= 0 ? id("[PAD]") : 0;
}

BertTokenizer BertTokenizer::load(const std::string& path) {
  fs::path vocab_path = path, dir = path;
  if (fs::is_directory(path)) vocab_path = dir / "vocab.txt";
  else dir = fs::path(path).parent_path();
  std::ifstream in(vocab_path, std::ios::binary);
  if (!in) throw Error(vocab_path.string(), "cannot read the WordPiece vocabulary (vocab.txt)");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::string> vocab;
  size_t start = 0;
  while (start < text.size()) {  // readlines() and rstrip("\n"), as transformers' load_vocab
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    vocab.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (vocab.empty()) throw Error(vocab_path.string(), "empty vocabulary");

  BertTokenizerOptions o;
  const fs::path config = dir / "tokenizer_config.json";
  if (fs::is_regular_file(config)) {
    std::ifstream cin(config);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(cin);
    } catch (const std::exception& e) {
      throw Error(config.string(), std::string("invalid JSON: ") + e.what());
    }
    if (j.contains("do_lower_case") && j["do_lower_case"].is_boolean()) o.lower_case = j["do_lower_case"].get<bool>();
    if (j.contains("strip_accents") && j["strip_accents"].is_boolean()) o.strip_accents = j["strip_accents"].get<bool>();
    if (j.contains("tokenize_chinese_chars") && j["tokenize_chinese_chars"].is_boolean())
      o.chinese_chars = j["tokenize_chinese_chars"].get<bool>();
  }
  return BertTokenizer(std::move(vocab), o, vocab_path.string());
}

int32_t BertTokenizer::id(const std::string& piece) const {
  auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

const std::string& BertTokenizer::piece(int32_t i) const { return vocab_.at(static_cast<size_t>(i)); }

std::vector<std::string> BertTokenizer::basic_tokenize(const std::string& text) const {
  std::vector<std::string> words;
  const bool strip = options_.strip_accents < 0 ? options_.lower_case : options_.strip_accents == 1;
  auto normal_part = [&](const std::string& part) {
    std::vector<UChar32> cps;
    for (UChar32 c : decode_utf8(part)) {
      if (c == 0 || c == 0xFFFD || is_control(c)) continue;
      if (is_whitespace(c)) {
        cps.push_back(' ');
      } else if (options_.chinese_chars && is_cjk(c)) {
        cps.push_back(' ');
        cps.push_back(c);
        cps.push_back(' ');
      } else {
        cps.push_back(c);
      }
    }
    if (strip) cps = strip_accents(cps);
    if (options_.lower_case) {
      std::vector<UChar32> lower;
      lower.reserve(cps.size());
      for (UChar32 c : cps) append_lower(lower, c);
      cps.swap(lower);
    }
    std::string word;
    bool open = false;
    auto flush = [&] {
      if (open) words.push_back(word);
      word.clear();
      open = false;
    };
    for (UChar32 c : cps) {
      if (is_whitespace(c)) {
        flush();
      } else if (is_punctuation(c)) {
        flush();
        std::string p;
        append_utf8(p, c);
        words.push_back(p);
      } else {
        append_utf8(word, c);
        open = true;
      }
    }
    flush();
  };
  // Step 1: the leftmost special token (the longest at one position) splits the text.
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t best = std::string::npos, best_len = 0;
    for (const std::string& s : specials_) {
      const size_t at = text.find(s, pos);
      if (at != std::string::npos && (at < best || (at == best && s.size() > best_len))) {
        best = at;
        best_len = s.size();
      }
    }
    if (best == std::string::npos) {
      normal_part(text.substr(pos));
      break;
    }
    normal_part(text.substr(pos, best - pos));
    words.push_back(text.substr(best, best_len));
    pos = best + best_len;
  }
  return words;
}

std::vector<int32_t> BertTokenizer::wordpiece(const std::string& word) const {
  for (const std::string& s : specials_)
    if (word == s) return {id(s)};
  std::vector<size_t> at;  // byte offset of each code point, and the end
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  const int32_t n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n;) {
    at.push_back(static_cast<size_t>(i));
    U8_FWD_1(p, i, n);
  }
  const size_t chars = at.size();
  at.push_back(word.size());
  if (chars > options_.max_chars_per_word) return {unk_};
  std::vector<int32_t> out;
  size_t start = 0;
  while (start < chars) {
    int32_t found = -1;
    size_t end = chars;
    for (; end > start; --end) {
      std::string sub = word.substr(at[start], at[end] - at[start]);
      if (start > 0) sub = "##" + sub;
      found = id(sub);
      if (found >= 0) break;
    }
    if (found < 0) return {unk_};
    out.push_back(found);
    start = end;
  }
  return out;
}

std::vector<int32_t> BertTokenizer::encode(const std::string& text, size_t max_length) const {
  if (max_length < 2) throw Error("BERT tokenizer", "max_length must leave room for [CLS] and [SEP]");
  std::vector<int32_t> ids{cls_};
  for (const std::string& w : basic_tokenize(text)) {
    for (int32_t i : wordpiece(w)) ids.push_back(i);
    if (ids.size() >= max_length - 1) break;
  }
  if (ids.size() > max_length - 1) ids.resize(max_length - 1);
  ids.push_back(sep_);
  return ids;
}

}  // namespace grove::text
