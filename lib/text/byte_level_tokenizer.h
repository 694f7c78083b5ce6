// Byte-level BPE tokenizers from a Hugging Face tokenizer.json, as the Rust `tokenizers` library runs them: Llama 3's
// (and GPT-2's family). Used by grove-annotate's built-in LLM backend for Llama 3 chat models.
//
// Encoding: the text is cut at the added tokens (leftmost, longest; special or not), then every other part goes
// through the pre-tokenizer (Split on the file's regex with "Isolated" behaviour, and/or ByteLevel with its GPT-2
// regex and add_prefix_space), each piece's bytes are mapped to GPT-2's printable byte alphabet, and the piece is
// encoded by the BPE model (merges by rank, leftmost first; ignore_merges honoured). No BOS is added: callers add
// the template's special tokens themselves. Regexes run on ICU (Unicode classes and look-ahead, as Oniguruma does
// for the Rust library). Decoding maps pieces back to bytes; each ill-formed UTF-8 subpart becomes one U+FFFD.
// Anything else in the file (a normalizer, another pre-tokenizer or behaviour) is refused with an error naming it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace grove::text {

// True when a parsed tokenizer.json declares a ByteLevel pre-tokenizer (alone or in a Sequence) or decoder.
bool is_byte_level(const nlohmann::ordered_json& tokenizer_json);
// The same for the file PATH. Throws grove::Error naming PATH when it is not readable JSON.
bool is_byte_level_json(const std::string& path);

class ByteLevelTokenizer {
 public:
  // Throws grove::Error naming PATH for anything it cannot run exactly.
  static ByteLevelTokenizer load(const std::string& path);
  // From the file's parsed JSON (callers that looked at it first need not read it again); PATH names it in errors.
  static ByteLevelTokenizer from_json(const nlohmann::ordered_json& tokenizer_json, const std::string& path);
  ~ByteLevelTokenizer();
  ByteLevelTokenizer(ByteLevelTokenizer&&) noexcept;
  ByteLevelTokenizer& operator=(ByteLevelTokenizer&&) noexcept;

  std::vector<int32_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int32_t>& ids) const;  // added tokens as their text
  int32_t id(const std::string& token) const;                  // a piece or added token; -1 when absent
  int32_t size() const;                                        // highest id + 1, added tokens included

 private:
  ByteLevelTokenizer();
  struct Regex;
  std::vector<std::string> pre_tokenize(const std::string& text) const;
  std::unique_ptr<PieceModel> model_;
  std::vector<std::unique_ptr<Regex>> splits_;  // applied in order, each splitting the previous pieces further
  size_t byte_level_step_ = 0;  // splits_ before ByteLevel's own (GPT-2 regex) split, if any
  bool add_prefix_space_ = false;
  std::map<std::string, int32_t> added_;
  std::map<int32_t, std::string> added_by_id_;
  std::string path_;
};

}  // namespace grove::text
