// BERT's WordPiece tokenizer (bert-base-uncased and its relatives) as the original's eval_iground.py runs it:
// AutoTokenizer.from_pretrained("bert-base-uncased") is Hugging Face's fast BertTokenizer, called as
// tokenizer(text, max_length=512, truncation=True). Steps, each as tokenizers' BertNormalizer, BertPreTokenizer,
// WordPiece and the [CLS] $A [SEP] template do them (and as transformers' slow BasicTokenizer + WordpieceTokenizer
// do, which agree with them on every text but a few exotic code points):
//   1. the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] written in the text are matched first, exactly (they are
//      added tokens with normalized=false) and become their ids;
//   2. the rest is cleaned: NUL, U+FFFD and control/format/unassigned/private-use code points (category C*) are
//      dropped except tab, newline and carriage return; every white-space code point becomes a space;
//   3. each CJK ideograph gets a space on both sides;
//   4. accents are stripped (NFD, then nonspacing marks Mn dropped) and the text lower-cased (full case mapping,
//      code point by code point), when do_lower_case (strip_accents follows it unless tokenizer_config.json says);
//   5. split at white space, and around every punctuation code point (ASCII !-/ :-@ [-` {-~ and category P*);
//   6. each word becomes its greedy longest-match-first WordPiece pieces ("##" before non-initial ones), or one
//      [UNK] when a part has no piece or the word has more than 100 code points;
//   7. the pieces are cut to max_length - 2 and framed by [CLS] and [SEP].
// Unicode properties and normalisation come from ICU. Invalid UTF-8 decodes to U+FFFD, which step 2 drops.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace grove::text {

struct BertTokenizerOptions {
  bool lower_case = true;       // do_lower_case
  int strip_accents = -1;       // -1: as lower_case (tokenizers' None); 0 / 1: forced
  bool chinese_chars = true;    // tokenize_chinese_chars
  size_t max_chars_per_word = 100;
};

class BertTokenizer {
 public:
  // A Hugging Face folder (vocab.txt, and tokenizer_config.json when present for do_lower_case, strip_accents and
  // tokenize_chinese_chars) or a vocab.txt itself. Throws grove::Error naming the file at fault.
  static BertTokenizer load(const std::string& path);
  // vocab: one piece per id, as vocab.txt lists them (line N is id N).
  BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options, std::string source = "");

  // Steps 1-5: the words (and special tokens) of TEXT, normalised.
  std::vector<std::string> basic_tokenize(const std::string& text) const;
  // Step 6 for one normalised word: its piece ids.
  std::vector<int32_t> wordpiece(const std::string& word) const;
  // All steps: [CLS] pieces... [SEP], at most max_length ids (>= 2).
  std::vector<int32_t> encode(const std::string& text, size_t max_length = 512) const;

  int32_t id(const std::string& piece) const;  // -1 when absent
  const std::string& piece(int32_t id) const;  // throws std::out_of_range
  int32_t size() const { return static_cast<int32_t>(vocab_.size()); }
  int32_t cls_id() const { return cls_; }
  int32_t sep_id() const { return sep_; }
  int32_t pad_id() const { return pad_; }
  int32_t unk_id() const { return unk_; }
  const BertTokenizerOptions& options() const { return options_; }
  const std::string& source() const { return source_; }

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> specials_;  // those of [PAD] [UNK] [CLS] [SEP] [MASK] in the vocabulary
  BertTokenizerOptions options_;
  std::string source_;
  int32_t cls_ = -1, sep_ = -1, pad_ = -1, unk_ = -1;
};

}  // namespace grove::text
