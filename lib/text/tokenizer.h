// LLaMA's tokenizer as the original runs it: transformers' slow LlamaTokenizer (4.46, legacy=false, as GLaMM's
// tokenizer config sets it) over either of LLaMA's vocabulary files, with GLaMM's and GROVE's added tokens
// (reference/model.md sections 2.1 and 4.4, training.md 1.3 and 3.3).
//
// Encoding: spaces are SentencePiece's "▁"; one "▁" is prefixed to the text; the text is cut at added tokens
// (leftmost, longest); every other piece is encoded by the vocabulary's BPE without a dummy prefix (a piece that
// starts with a space keeps it as "▁"); a lone leading "▁" before a special token is dropped. So "<p>" alone is
// ["▁", "<p>"] but "[DET]" alone is ["[DET]"], exactly the quirk the original's id look-ups rely on.
// Decoding: runs between added tokens are decoded with their first "▁" removed, and the parts are joined by
// single spaces, as the original's batch_decode gives "<p> he </p> [DET] ...".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace grove::text {

// SentencePiece's visible space "▁" (U+2581), which stands for ' ' in pieces.
inline const std::string kPieceSpace = "\xE2\x96\x81";

// The initial symbols of BPE over TEXT: its characters (UTF-8 sequences whole), spaces as "▁".
std::vector<std::string> bpe_symbols(const std::string& text);

// A vocabulary's BPE over one piece of text, SentencePiece style: spaces become "▁", no dummy prefix, characters
// outside the vocabulary fall back to <0xXX> byte pieces.
class PieceModel {
 public:
  virtual ~PieceModel() = default;
  virtual std::vector<int32_t> encode(const std::string& text) const = 0;
  virtual std::string piece(int32_t id) const = 0;  // "" when out of range
  virtual int32_t id(const std::string& piece) const = 0;  // -1 when absent
  virtual int32_t size() const = 0;
};

// SentencePiece's tokenizer.model (a BPE model with LLaMA's identity normaliser), encoded without the dummy prefix,
// as transformers does for legacy=false. Throws grove::Error naming PATH.
std::unique_ptr<PieceModel> load_sentencepiece(const std::string& path);
// Hugging Face's tokenizer.json with a BPE model (vocab, merges, byte_fallback, ignore_merges). Throws grove::Error
// naming PATH.
std::unique_ptr<PieceModel> load_bpe_json(const std::string& path);
// The same from the file's parsed JSON (an io::Record), for readers that also need its other sections.
std::unique_ptr<PieceModel> make_bpe_model(const nlohmann::ordered_json& tokenizer_json, const std::string& path);
nlohmann::ordered_json read_tokenizer_json(const std::string& path);  // throws grove::Error naming PATH

struct AddedToken {
  std::string content;
  int32_t id;
  bool special;  // bos/eos/unk and the tokens added with special_tokens=True (<vid_start>, <vid_end>, [DET])
};

class Tokenizer {
 public:
  // A model directory's (or tokenizer folder's) tokenizer: tokenizer.model if present (use_json forces
  // tokenizer.json), added_tokens.json, special_tokens_map.json. Throws grove::Error naming the file at fault.
  static Tokenizer load(const std::string& dir, bool use_json = false);
  Tokenizer(std::unique_ptr<PieceModel> model, std::vector<AddedToken> added);

  std::vector<int32_t> encode(const std::string& text, bool add_bos) const;
  // tokenizer_image_token: the text split at MARKER ("<video>"; GLaMM's "<image>"), each part encoded with BOS,
  // joined as [BOS] + part0[1:] + [placeholder] + part1[1:] ...
  std::vector<int64_t> encode_prompt(const std::string& text, int64_t placeholder = -200,
                                     const std::string& marker = "<video>") const;
  // batch_decode(skip_special_tokens=false) of ids (placeholders and pad must be removed by the caller).
  std::string decode(const std::vector<int32_t>& ids) const;
  std::vector<std::string> pieces(const std::vector<int32_t>& ids) const;

  int32_t id(const std::string& token) const;  // a piece or added token; -1 when absent
  int32_t size() const;                         // base vocabulary plus added tokens
  const std::vector<AddedToken>& added() const { return added_; }
  const std::string& source() const { return source_; }

 private:
  std::vector<std::string> split_added(const std::string& text) const;
  std::string decode_run(const std::vector<int32_t>& ids) const;
  std::unique_ptr<PieceModel> model_;
  std::vector<AddedToken> added_;
  std::map<std::string, const AddedToken*> by_content_;
  std::map<int32_t, const AddedToken*> by_id_;
  std::string source_;
  int32_t bos_ = 1;
  size_t unk_len_ = 3;  // pieces of the text "<unk>": '<', 'unk', '>'
};

}  // namespace grove::text
