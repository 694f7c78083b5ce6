#include "text/byte_level_tokenizer.h"

#include <unicode/uregex.h>
#include <unicode/utext.h>

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"
#include "core/utf8.h"
#include "io/record.h"

namespace grove::text {

namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for U+0100 onwards in order.
struct ByteAlphabet {
  std::string of_byte[256];
  std::map<uint32_t, uint8_t> byte_of;
  ByteAlphabet() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const uint32_t cp = printable ? b : next++;
      utf8_append(cp, of_byte[b]);
      byte_of[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

// GPT-2's pattern, which ByteLevel applies when use_regex is true.
const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace

struct ByteLevelTokenizer::Regex {
  URegularExpression* re = nullptr;
  Regex(const std::string& pattern, bool literal, const std::string& path) {
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe{};
    UText* text = utext_openUTF8(nullptr, pattern.data(), static_cast<int64_t>(pattern.size()), &st);
    re = uregex_openUText(text, literal ? UREGEX_LITERAL : 0, &pe, &st);
    utext_close(text);
    if (U_FAILURE(st))
      throw Error(path, "the pre-tokenizer's pattern does not compile (" + std::string(u_errorName(st)) + " at offset " +
                            std::to_string(pe.offset) + ")");
  }
  ~Regex() { uregex_close(re); }
  // Splits s into its matches and the text between them ("Isolated"), empty pieces dropped.
  void split(const std::string& s, std::vector<std::string>& out) const {
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression* m = uregex_clone(re, &st);
    UText* text = utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &st);
    uregex_setUText(m, text, &st);
    size_t done = 0;
    while (U_SUCCESS(st) && uregex_findNext(m, &st)) {
      const auto a = static_cast<size_t>(uregex_start64(m, 0, &st)), b = static_cast<size_t>(uregex_end64(m, 0, &st));
      if (a > done) out.push_back(s.substr(done, a - done));
      if (b > a) out.push_back(s.substr(a, b - a));
      done = b;
    }
    if (done < s.size()) out.push_back(s.substr(done));
    utext_close(text);
    uregex_close(m);
    if (U_FAILURE(st)) throw Error("", std::string("regular expression failed: ") + u_errorName(st));
  }
};

ByteLevelTokenizer::ByteLevelTokenizer() = default;
ByteLevelTokenizer::~ByteLevelTokenizer() = default;
ByteLevelTokenizer::ByteLevelTokenizer(ByteLevelTokenizer&&) noexcept = default;
ByteLevelTokenizer& ByteLevelTokenizer::operator=(ByteLevelTokenizer&&) noexcept = default;

bool is_byte_level(const io::Record& j) {
  auto byte_level = [](const io::Record& step) { return step.is_object() && step.value("type", "") == "ByteLevel"; };
  if (j.contains("decoder") && byte_level(j["decoder"])) return true;
  if (!j.contains("pre_tokenizer")) return false;
  const auto& p = j["pre_tokenizer"];
  if (byte_level(p)) return true;
  if (p.is_object() && p.value("type", "") == "Sequence" && p.contains("pretokenizers"))
    for (const auto& s : p["pretokenizers"])
      if (byte_level(s)) return true;
  return false;
}

bool is_byte_level_json(const std::string& path) { return is_byte_level(read_tokenizer_json(path)); }

ByteLevelTokenizer ByteLevelTokenizer::load(const std::string& path) { return from_json(read_tokenizer_json(path), path); }

ByteLevelTokenizer ByteLevelTokenizer::from_json(const io::Record& j, const std::string& path) {
  ByteLevelTokenizer t;
  t.path_ = path;
  try {
    if (j.contains("normalizer") && !j["normalizer"].is_null())
      throw Error(path, "a normalizer (\"" + j["normalizer"].value("type", std::string("?")) +
                            "\") is not supported with a byte-level tokenizer");
    std::vector<io::Record> steps;
    if (j.contains("pre_tokenizer") && !j["pre_tokenizer"].is_null()) {
      const auto& p = j["pre_tokenizer"];
      if (p.value("type", "") == "Sequence")
        for (const auto& s : p.at("pretokenizers")) steps.push_back(s);
      else
        steps.push_back(p);
    }
    bool byte_level = false;
    for (const auto& s : steps) {
      const std::string type = s.value("type", "");
      if (byte_level) throw Error(path, "a \"" + type + "\" pre-tokenizer after ByteLevel is not supported");
      if (type == "Split") {
        if (s.value("behavior", "") != "Isolated" || s.value("invert", false))
          throw Error(path, "only Split pre-tokenizers with behavior \"Isolated\" and invert false are supported");
        const auto& pat = s.at("pattern");
        const bool literal = pat.contains("String");
        t.splits_.push_back(std::make_unique<Regex>(pat.at(literal ? "String" : "Regex").get<std::string>(), literal, path));
      } else if (type == "ByteLevel") {
        byte_level = true;
        t.add_prefix_space_ = s.value("add_prefix_space", true);
        t.byte_level_step_ = t.splits_.size();
        if (s.value("use_regex", true)) t.splits_.push_back(std::make_unique<Regex>(kGpt2Pattern, false, path));
      } else {
        throw Error(path, "the \"" + type + "\" pre-tokenizer is not supported with a byte-level tokenizer");
      }
    }
    if (!byte_level) throw Error(path, "not a byte-level tokenizer (no ByteLevel pre-tokenizer)");
    const auto& m = j.at("model");
    if (m.contains("continuing_subword_prefix") && !m["continuing_subword_prefix"].is_null())
      throw Error(path, "continuing_subword_prefix is not supported");
    if (m.contains("end_of_word_suffix") && !m["end_of_word_suffix"].is_null())
      throw Error(path, "end_of_word_suffix is not supported");
    t.model_ = make_bpe_model(j, path);
    if (j.contains("added_tokens"))
      for (const auto& a : j["added_tokens"]) {
        const std::string content = a.at("content").get<std::string>();
        const int32_t id = a.at("id").get<int32_t>();
        if (content.empty() || id < 0) throw Error(path, "an added token with empty content or a negative id");
        t.added_[content] = id;
        t.added_by_id_[id] = content;
      }
  } catch (const io::Record::exception& e) {
    throw Error(path, std::string("malformed tokenizer.json: ") + e.what());
  }
  return t;
}

std::vector<std::string> ByteLevelTokenizer::pre_tokenize(const std::string& text) const {
  std::vector<std::string> pieces{text};
  for (size_t k = 0; k <= splits_.size(); ++k) {
    if (k == byte_level_step_ && add_prefix_space_)  // ByteLevel's prefix goes on each piece it receives
      for (auto& p : pieces)
        if (!starts_with(p, " ")) p.insert(0, " ");
    if (k == splits_.size()) break;
    std::vector<std::string> next;
    for (const auto& p : pieces) splits_[k]->split(p, next);
    pieces = std::move(next);
  }
  return pieces;
}

std::vector<int32_t> ByteLevelTokenizer::encode(const std::string& text) const {
  std::vector<int32_t> ids;
  auto encode_run = [&](const std::string& run) {
    if (run.empty()) return;
    for (const auto& piece : pre_tokenize(run)) {
      std::string mapped;
      for (unsigned char c : piece) mapped += alphabet().of_byte[c];
      for (int32_t id : model_->encode(mapped)) {
        if (id < 0) throw Error(path_, "the vocabulary cannot encode \"" + piece + "\" (it lacks a byte symbol)");
        ids.push_back(id);
      }
    }
  };
  // The next place each added token occurs, refreshed only once the scan has passed it.
  std::vector<std::pair<const std::string*, size_t>> next;
  for (const auto& [content, id] : added_) next.emplace_back(&content, text.find(content));
  size_t at = 0;
  for (;;) {
    const std::string* best = nullptr;
    size_t where = std::string::npos;
    for (auto& [content, pos] : next) {
      if (pos != std::string::npos && pos < at) pos = text.find(*content, at);
      if (pos == std::string::npos) continue;
      if (pos < where || (pos == where && content->size() > best->size())) best = content, where = pos;
    }
    if (!best) break;
    encode_run(text.substr(at, where - at));
    ids.push_back(added_.at(*best));
    at = where + best->size();
  }
  encode_run(text.substr(at));
  return ids;
}

std::string ByteLevelTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (auto a = added_by_id_.find(id); a != added_by_id_.end()) {
      bytes += a->second;
      continue;
    }
    const std::string p = model_->piece(id);
    for (size_t at = 0; at < p.size();) {
      size_t n = 0;
      const char32_t cp = utf8_decode(p, at, &n);
      auto b = alphabet().byte_of.find(cp);
      if (b != alphabet().byte_of.end())
        bytes.push_back(static_cast<char>(b->second));
      else
        bytes.append(p, at, n);  // not a byte symbol: kept as its own text
      at += n;
    }
  }
  return utf8_replace(bytes);  // Rust's String::from_utf8_lossy, as the Hugging Face decoder
}

int32_t ByteLevelTokenizer::id(const std::string& token) const {
  if (auto a = added_.find(token); a != added_.end()) return a->second;
  return model_->id(token);
}

int32_t ByteLevelTokenizer::size() const {
  const int32_t top = added_by_id_.empty() ? 0 : added_by_id_.rbegin()->first + 1;
  return std::max(model_->size(), top);
}

}  // namespace grove::text
