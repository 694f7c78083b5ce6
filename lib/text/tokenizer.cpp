#include "text/tokenizer.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "core/error.h"
#include "core/strings.h"
#include "core/utf8.h"
#include "io/record.h"

namespace grove::text {

namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path, "cannot read: " + std::string(std::strerror(errno)));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<std::string> bpe_symbols(const std::string& raw) {
  const std::string text = replace_all(raw, " ", kPieceSpace);
  std::vector<std::string> symbols;
  for (size_t at = 0; at < text.size();) {
    const size_t n = std::min(utf8_length(static_cast<unsigned char>(text[at])), text.size() - at);
    symbols.push_back(text.substr(at, n));
    at += n;
  }
  return symbols;
}

namespace {

// The ids of merged symbols: a symbol the vocabulary lacks becomes its <0xXX> byte pieces (with byte fallback and
// every byte piece present), else the unknown piece.
template <class Lookup>
std::vector<int32_t> symbol_ids(const std::vector<std::string>& symbols, Lookup lookup, bool byte_fallback,
                                int32_t unk) {
  std::vector<int32_t> ids;
  for (const auto& s : symbols) {
    const int32_t i = lookup(s);
    if (i >= 0) {
      ids.push_back(i);
      continue;
    }
    std::vector<int32_t> bytes;
    for (unsigned char c : s) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", c);
      bytes.push_back(lookup(name));
    }
    const bool ok = byte_fallback && std::find(bytes.begin(), bytes.end(), -1) == bytes.end();
    if (ok)
      ids.insert(ids.end(), bytes.begin(), bytes.end());
    else
      ids.push_back(unk);
  }
  return ids;
}

// ---- tokenizer.model -------------------------------------------------------------------------------------------

uint64_t read_varint(const std::string& b, size_t& at, const std::string& path) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= b.size()) throw Error(path, "truncated SentencePiece model");
    const auto byte = static_cast<uint8_t>(b[at++]);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return v;
  }
  throw Error(path, "malformed SentencePiece model (varint)");
}

// One length-delimited or varint field of a protobuf message.
struct Field {
  uint64_t number = 0, wire = 0, value = 0;
  std::string bytes;
};

std::vector<Field> read_message(const std::string& b, const std::string& path) {
  std::vector<Field> out;
  for (size_t at = 0; at < b.size();) {
    Field f;
    const uint64_t tag = read_varint(b, at, path);
    f.number = tag >> 3, f.wire = tag & 7;
    if (f.wire == 0) {
      f.value = read_varint(b, at, path);
    } else if (f.wire == 1 || f.wire == 5) {
      const size_t n = f.wire == 1 ? 8 : 4;
      if (n > b.size() - at) throw Error(path, "truncated SentencePiece model");
      f.bytes = b.substr(at, n);
      at += n;
    } else if (f.wire == 2) {
      const uint64_t n = read_varint(b, at, path);
      if (n > b.size() - at) throw Error(path, "truncated SentencePiece model");
      f.bytes = b.substr(at, n);
      at += n;
    } else {
      throw Error(path, "not a SentencePiece model (protobuf wire type " + std::to_string(f.wire) + ")");
    }
    out.push_back(std::move(f));
  }
  return out;
}

// SentencePiece's tokenizer.model read directly (the ModelProto's pieces, scores and types, its trainer and
// normaliser settings) and encoded with SentencePiece's BPE: repeatedly join the adjacent pair whose joined piece
// scores highest (leftmost on ties), then map unknown pieces to <0xXX> bytes. Debian's libsentencepiece carries
// its own protobuf-lite, whose symbols clash with the libprotobuf LibTorch loads: a process with both crashes at
// start-up, so the format is read here.
class SentencePieceModel : public PieceModel {
 public:
  explicit SentencePieceModel(const std::string& path) {
    bool bpe = false, identity = true;
    for (const Field& f : read_message(slurp(path), path)) {
      if (f.number == 1 && f.wire == 2) {  // SentencePiece {piece = 1; score = 2; type = 3}
        std::string piece;
        float score = 0;
        uint64_t type = 1;
        for (const Field& g : read_message(f.bytes, path)) {
          if (g.number == 1) piece = g.bytes;
          if (g.number == 2 && g.bytes.size() == 4) std::memcpy(&score, g.bytes.data(), 4);
          if (g.number == 3) type = g.value;
        }
        ids_.emplace(piece, static_cast<int32_t>(pieces_.size()));
        pieces_.push_back(piece);
        scores_.push_back(score);
        types_.push_back(static_cast<int>(type));
      } else if (f.number == 2 && f.wire == 2) {  // TrainerSpec: model_type = 3 (BPE = 2), byte_fallback = 35
        for (const Field& g : read_message(f.bytes, path)) {
          if (g.number == 3) bpe = g.value == 2;
          if (g.number == 35) byte_fallback_ = g.value != 0;
        }
      } else if (f.number == 3 && f.wire == 2) {  // NormalizerSpec: precompiled_charsmap = 2, remove_extra_ws = 4
        for (const Field& g : read_message(f.bytes, path)) {
          if (g.number == 2 && !g.bytes.empty()) identity = false;
          if (g.number == 4 && g.value != 0) identity = false;
        }
      }
    }
    if (pieces_.empty()) throw Error(path, "not a SentencePiece model (no pieces)");
    if (!bpe) throw Error(path, "not a BPE SentencePiece model (LLaMA's tokenizer.model is BPE)");
    if (!identity)
      throw Error(path, "the model normalises text (a character map or whitespace folding); LLaMA's does not, and "
                        "grove reads only that kind");
    auto unk = ids_.find("<unk>");
    unk_ = unk == ids_.end() ? 0 : unk->second;
  }

  std::vector<int32_t> encode(const std::string& raw) const override {
    std::vector<std::string> symbols = bpe_symbols(raw);
    for (;;) {
      float best = -std::numeric_limits<float>::infinity();
      size_t where = symbols.size();
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        const int32_t j = usable(symbols[i] + symbols[i + 1]);
        if (j >= 0 && scores_[j] > best) best = scores_[j], where = i;
      }
      if (where == symbols.size()) break;
      symbols[where] += symbols[where + 1];
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(where) + 1);
    }
    // Byte pieces are looked up by name; other symbols only among the pieces text may become.
    auto lookup = [&](const std::string& p) {
      if (p.size() == 6 && starts_with(p, "<0x")) return id(p);
      return usable(p);
    };
    return symbol_ids(symbols, lookup, byte_fallback_, unk_);
  }
  std::string piece(int32_t i) const override {
    return i >= 0 && static_cast<size_t>(i) < pieces_.size() ? pieces_[i] : std::string();
  }
  int32_t id(const std::string& p) const override {
    auto it = ids_.find(p);
    return it == ids_.end() ? -1 : it->second;
  }
  int32_t size() const override { return static_cast<int32_t>(pieces_.size()); }

 private:
  // A piece text may be encoded to: normal and user-defined pieces (types 1 and 4); not unknown, control, unused
  // or byte pieces.
  int32_t usable(const std::string& p) const {
    auto it = ids_.find(p);
    if (it == ids_.end()) return -1;
    const int t = types_[it->second];
    return t == 1 || t == 4 ? it->second : -1;
  }
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<int> types_;
  bool byte_fallback_ = false;
  int32_t unk_ = 0;
};

// ---- tokenizer.json --------------------------------------------------------------------------------------------

class BpeJsonModel : public PieceModel {
 public:
  BpeJsonModel(const io::Record& j, const std::string& path) {
    if (!j.contains("model") || j["model"].value("type", "") != "BPE")
      throw Error(path, "not a BPE tokenizer.json (model.type is not \"BPE\")");
    const auto& m = j["model"];
    byte_fallback_ = m.value("byte_fallback", false);
    ignore_merges_ = m.value("ignore_merges", false);
    for (const auto& [piece, id] : m.at("vocab").items()) {
      const int32_t i = id.get<int32_t>();
      vocab_[piece] = i;
      if (static_cast<size_t>(i) >= pieces_.size()) pieces_.resize(i + 1);
      pieces_[i] = piece;
    }
    int32_t rank = 0;
    for (const auto& merge : m.at("merges")) {
      std::string a, b;
      if (merge.is_string()) {
        const std::string s = merge.get<std::string>();
        const size_t sp = s.find(' ');
        if (sp == std::string::npos) throw Error(path, "malformed merge \"" + s + "\"");
        a = s.substr(0, sp), b = s.substr(sp + 1);
      } else {
        a = merge.at(0).get<std::string>(), b = merge.at(1).get<std::string>();
      }
      ranks_.emplace(a + '\x01' + b, rank++);
    }
    unk_ = m.contains("unk_token") && m["unk_token"].is_string() ? id(m["unk_token"].get<std::string>()) : -1;
  }

  std::vector<int32_t> encode(const std::string& raw) const override {
    if (ignore_merges_)
      if (auto whole = vocab_.find(raw); whole != vocab_.end()) return {whole->second};
    std::vector<std::string> symbols = bpe_symbols(raw);
    // Merge the adjacent pair of lowest rank, leftmost first, until none merges.
    for (;;) {
      int32_t best = std::numeric_limits<int32_t>::max();
      size_t where = 0;
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        auto it = ranks_.find(symbols[i] + '\x01' + symbols[i + 1]);
        if (it != ranks_.end() && it->second < best) best = it->second, where = i;
      }
      if (best == std::numeric_limits<int32_t>::max()) break;
      symbols[where] += symbols[where + 1];
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(where) + 1);
    }
    return symbol_ids(symbols, [&](const std::string& p) { return id(p); }, byte_fallback_, unk_);
  }
  std::string piece(int32_t i) const override {
    return i >= 0 && static_cast<size_t>(i) < pieces_.size() ? pieces_[i] : std::string();
  }
  int32_t id(const std::string& p) const override {
    auto it = vocab_.find(p);
    return it == vocab_.end() ? -1 : it->second;
  }
  int32_t size() const override { return static_cast<int32_t>(pieces_.size()); }

 private:
  std::unordered_map<std::string, int32_t> vocab_, ranks_;
  std::vector<std::string> pieces_;
  bool byte_fallback_ = false, ignore_merges_ = false;
  int32_t unk_ = -1;
};

// SentencePiece's decoding of pieces: "▁" is a space, <0xXX> pieces are bytes; byte runs that are not valid UTF-8
// give U+FFFD for each bad byte.
std::string decode_pieces(const std::vector<std::string>& pieces) {
  std::string out, bytes;
  auto flush = [&] {
    out += utf8_lossy(bytes);
    bytes.clear();
  };
  for (const auto& p : pieces) {
    unsigned int byte = 0;
    if (p.size() == 6 && starts_with(p, "<0x") && p[5] == '>' && std::sscanf(p.c_str(), "<0x%2X>", &byte) == 1) {
      bytes.push_back(static_cast<char>(byte));
      continue;
    }
    flush();
    out += replace_all(p, kPieceSpace, " ");
  }
  flush();
  return out;
}

}  // namespace

std::unique_ptr<PieceModel> load_sentencepiece(const std::string& path) {
  return std::make_unique<SentencePieceModel>(path);
}

io::Record read_tokenizer_json(const std::string& path) {
  try {
    return io::Record::parse(slurp(path));
  } catch (const io::Record::exception& e) {
    throw Error(path, std::string("not JSON: ") + e.what());
  }
}

std::unique_ptr<PieceModel> make_bpe_model(const io::Record& tokenizer_json, const std::string& path) {
  return std::make_unique<BpeJsonModel>(tokenizer_json, path);
}

std::unique_ptr<PieceModel> load_bpe_json(const std::string& path) {
  return make_bpe_model(read_tokenizer_json(path), path);
}

Tokenizer::Tokenizer(std::unique_ptr<PieceModel> model, std::vector<AddedToken> added)
    : model_(std::move(model)), added_(std::move(added)) {
  for (const char* s : {"<unk>", "<s>", "</s>"}) {
    const int32_t i = model_->id(s);
    bool listed = false;
    for (const auto& a : added_) listed |= a.content == s;
    if (i >= 0 && !listed) added_.push_back({s, i, true});
  }
  for (const auto& a : added_) by_content_[a.content] = &a, by_id_[a.id] = &a;
  bos_ = model_->id("<s>");
  unk_len_ = model_->encode("<unk>").size();
}

Tokenizer Tokenizer::load(const std::string& dir, bool use_json) {
  const fs::path d(dir);
  if (!fs::is_directory(d)) throw Error(dir, "not a directory");
  std::unique_ptr<PieceModel> model;
  std::string source;
  if (!use_json && fs::exists(d / "tokenizer.model")) {
    source = (d / "tokenizer.model").string();
    model = load_sentencepiece(source);
  } else if (fs::exists(d / "tokenizer.json")) {
    source = (d / "tokenizer.json").string();
    model = load_bpe_json(source);
  } else {
    throw Error(dir, use_json ? "no tokenizer.json" : "no tokenizer.model or tokenizer.json");
  }
  // GROVE's own tokens were added with special_tokens=True; others may be listed in special_tokens_map.json.
  std::set<std::string> special{"<vid_start>", "<vid_end>", "[DET]"};
  const fs::path map = d / "special_tokens_map.json";
  if (fs::exists(map)) {
    try {
      io::Record j = io::Record::parse(slurp(map.string()));
      if (j.contains("additional_special_tokens"))
        for (const auto& t : j["additional_special_tokens"])
          special.insert(t.is_string() ? t.get<std::string>() : t.at("content").get<std::string>());
    } catch (const io::Record::exception& e) {
      throw Error(map.string(), std::string("malformed: ") + e.what());
    }
  }
  std::vector<AddedToken> added;
  const fs::path at = d / "added_tokens.json";
  if (fs::exists(at)) {
    try {
      io::Record j = io::Record::parse(slurp(at.string()));
      for (const auto& [content, id] : j.items()) {
        const int32_t i = id.get<int32_t>();
        const int32_t base = model->id(content);
        if (i < 0 || (i < model->size() && base != i))
          throw Error(at.string(), "\"" + content + "\" has id " + std::to_string(i) +
                                       ", which the vocabulary gives to \"" + model->piece(i) + "\"");
        added.push_back({content, i, special.count(content) != 0});
      }
    } catch (const io::Record::exception& e) {
      throw Error(at.string(), std::string("malformed: ") + e.what());
    }
  }
  Tokenizer t(std::move(model), std::move(added));
  t.source_ = source;
  return t;
}

std::vector<std::string> Tokenizer::split_added(const std::string& text) const {
  std::vector<std::string> parts;
  size_t plain = 0;
  for (size_t i = 0; i < text.size();) {
    const AddedToken* best = nullptr;
    for (const auto& a : added_)
      if (!a.content.empty() && text.compare(i, a.content.size(), a.content) == 0 &&
          (!best || a.content.size() > best->content.size()))
        best = &a;
    if (!best) {
      ++i;
      continue;
    }
    if (i > plain) parts.push_back(text.substr(plain, i - plain));
    parts.push_back(best->content);
    i += best->content.size();
    plain = i;
  }
  if (plain < text.size()) parts.push_back(text.substr(plain));
  return parts;
}

std::vector<int32_t> Tokenizer::encode(const std::string& text, bool add_bos) const {
  std::vector<int32_t> ids;
  if (add_bos) ids.push_back(bos_);
  if (text.empty()) return ids;
  std::vector<int32_t> body;
  for (const auto& part : split_added(kPieceSpace + replace_all(text, kPieceSpace, " "))) {
    auto it = by_content_.find(part);
    if (it != by_content_.end()) {
      body.push_back(it->second->id);
    } else if (starts_with(part, kPieceSpace) || starts_with(part, " ")) {
      // transformers encodes "<unk>" + part and drops the unk's pieces, so the leading space stays a "▁"
      std::vector<int32_t> p = model_->encode("<unk>" + part);
      body.insert(body.end(), p.begin() + static_cast<std::ptrdiff_t>(std::min(unk_len_, p.size())), p.end());
    } else {
      std::vector<int32_t> p = model_->encode(part);
      body.insert(body.end(), p.begin(), p.end());
    }
  }
  if (body.size() > 1 && model_->piece(body[0]) == kPieceSpace && by_id_.count(body[1]) && by_id_.at(body[1])->special)
    body.erase(body.begin());
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

std::vector<int64_t> Tokenizer::encode_prompt(const std::string& text, int64_t placeholder,
                                              const std::string& marker) const {
  std::vector<int64_t> out;
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t end = text.find(marker, start);
    std::vector<int32_t> chunk = encode(text.substr(start, end == std::string::npos ? std::string::npos : end - start), true);
    if (first) out.push_back(chunk[0]);
    out.insert(out.end(), chunk.begin() + 1, chunk.end());
    if (end == std::string::npos) break;
    out.push_back(placeholder);
    start = end + marker.size();
  }
  return out;
}

std::vector<std::string> Tokenizer::pieces(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  for (int32_t i : ids) {
    auto it = by_id_.find(i);
    if (it != by_id_.end()) {
      out.push_back(it->second->content);
    } else {
      std::string p = model_->piece(i);
      if (p.empty()) throw Error("tokenizer", "id " + std::to_string(i) + " is outside the vocabulary");
      out.push_back(p);
    }
  }
  return out;
}

// convert_tokens_to_string of transformers' LlamaTokenizer (legacy=false) on a run without added tokens.
std::string Tokenizer::decode_run(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens = pieces(ids);
  if (!tokens.empty() && starts_with(tokens[0], kPieceSpace)) tokens[0] = tokens[0].substr(kPieceSpace.size());
  std::string out;
  std::vector<std::string> current;
  bool prev_special = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto it = by_id_.find(ids[i]);
    if (it != by_id_.end() && it->second->special) {
      out += decode_pieces(current) + tokens[i];
      current.clear();
      prev_special = true;
    } else {
      if (prev_special && i == 1 && !starts_with(tokens[i], kPieceSpace)) out += " ";
      current.push_back(tokens[i]);
      prev_special = false;
    }
  }
  return out + decode_pieces(current);
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  // Tokens past the base vocabulary are "legacy added tokens": emitted whole, the runs between them decoded apart,
  // and the parts joined by spaces.
  std::vector<std::string> parts;
  std::vector<int32_t> run;
  auto flush = [&] {
    if (run.empty()) return;
    std::string s = decode_run(run);
    if (!s.empty()) parts.push_back(s);
    run.clear();
  };
  for (int32_t i : ids) {
    auto it = by_id_.find(i);
    if (it != by_id_.end() && i >= model_->size()) {
      flush();
      parts.push_back(it->second->content);
    } else {
      run.push_back(i);
    }
  }
  flush();
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? " " : "") + parts[k];
  return out;
}

int32_t Tokenizer::id(const std::string& token) const {
  auto it = by_content_.find(token);
  return it != by_content_.end() ? it->second->id : model_->id(token);
}

int32_t Tokenizer::size() const {
  int32_t n = model_->size();
  for (const auto& a : added_) n = std::max(n, a.id + 1);
  return n;
}

}  // namespace grove::text
