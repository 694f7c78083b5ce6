// See tokenizer.h.
#include "synth/tokenizer.h"

#include <cstdio>
#include <map>
#include <sstream>
#include <set>
#include <utility>

#include "core/strings.h"
#include "io/record.h"
#include "synth/scene.h"
#include "text/caption.h"
#include "text/tokenizer.h"

namespace grove::synth {

using io::Record;

const std::vector<std::string> kAddedTokens = {"<im_start>", "<im_end>",  "<bbox>",    "<point>",   "[SEG]",
                                               "<p>",        "</p>",      "<vid_start>", "<vid_end>", "[DET]"};

namespace {

using text::kPieceSpace;
using Word = std::vector<std::string>;  // a word as its current pieces

std::string strip_markers(std::string s) {
  for (const char* m : {"<vid_start>", "<video>", "<vid_end>"}) s = replace_all(s, m, " ");
  return s;
}

}  // namespace

TokenizerFiles make_tokenizer(uint64_t seed, size_t scenes) {
  std::vector<std::string> corpus;
  const uint64_t train_seed = split_seed(seed, "train");
  for (size_t i = 0; i < scenes; ++i) corpus.push_back(describe(make_scene(train_seed, i)).text);
  for (const auto& q : text::kGroundingQuestions) corpus.push_back(strip_markers(text::llava_prompt(q)));

  // Words (split at spaces, each with its leading boundary mark) and their counts; the alphabet.
  std::map<Word, int64_t> words;
  std::set<std::string> alphabet = {kPieceSpace};
  for (char c = 'a'; c <= 'z'; ++c) alphabet.insert(std::string(1, c));
  for (const auto& line : corpus) {
    std::istringstream in(line);
    for (std::string w; std::getline(in, w, ' ');) {
      if (w.empty()) continue;
      Word chars = text::bpe_symbols(" " + w);
      alphabet.insert(chars.begin(), chars.end());
      ++words[chars];
    }
  }

  Record vocab = Record::object();
  auto add = [&](const std::string& piece) {
    if (!vocab.contains(piece)) vocab[piece] = static_cast<int64_t>(vocab.size());
  };
  const char* const specials[] = {"<unk>", "<s>", "</s>"};
  for (const char* s : specials) add(s);
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    add(hex);
  }
  for (const auto& c : alphabet) add(c);

  // Plain BPE: merge the most frequent adjacent pair (ties: the smaller pair) until every word is one piece.
  Record merges = Record::array();
  for (;;) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const auto& [w, n] : words)
      for (size_t i = 0; i + 1 < w.size(); ++i) pairs[{w[i], w[i + 1]}] += n;
    if (pairs.empty()) break;
    auto best = pairs.begin();
    for (auto it = pairs.begin(); it != pairs.end(); ++it)
      if (it->second > best->second) best = it;
    const auto [a, b] = best->first;
    merges.push_back(a + " " + b);
    add(a + b);
    std::map<Word, int64_t> rewritten;
    for (const auto& [w, n] : words) {
      Word out;
      for (size_t i = 0; i < w.size(); ++i) {
        if (i + 1 < w.size() && w[i] == a && w[i + 1] == b) {
          out.push_back(a + b);
          ++i;
        } else {
          out.push_back(w[i]);
        }
      }
      rewritten[out] += n;
    }
    words = std::move(rewritten);
  }

  TokenizerFiles files;
  files.base = static_cast<int64_t>(vocab.size());
  Record special_tokens = Record::array();
  for (const char* s : specials)
    special_tokens.push_back({{"id", vocab[s]}, {"content", s}, {"single_word", false}, {"lstrip", false},
                              {"rstrip", false}, {"normalized", false}, {"special", true}});
  Record tok = {
      {"version", "1.0"},
      {"added_tokens", special_tokens},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers", Record::array({{{"type", "Prepend"}, {"prepend", kPieceSpace}},
                                       {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kPieceSpace}}})}}},
      {"pre_tokenizer", nullptr},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", true}, {"vocab", vocab},
        {"merges", merges}}}};
  files.tokenizer_json = tok.dump(1) + "\n";
  Record added = Record::object();
  for (size_t i = 0; i < kAddedTokens.size(); ++i) added[kAddedTokens[i]] = files.base + static_cast<int64_t>(i);
  files.added_tokens_json = added.dump(1) + "\n";
  return files;
}

}  // namespace grove::synth
