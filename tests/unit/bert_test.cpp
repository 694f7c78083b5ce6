// The BERT phrase-similarity gate of iGround's Recall: text::BertTokenizer, model::BertModel/BertEmbedder and
// eval::PhraseEmbeddings against tests/data/bert (make_tiny_bert.py): a tiny random BERT in both Hugging Face
// layouts, the ids of a Python transcription of BERT's BasicTokenizer + WordpieceTokenizer for ~420 varied and
// seeded random strings, and the mean-pooled embeddings of a plain-torch BertModel forward, one phrase at a time;
// and, when scripts/check.sh has installed it, Hugging Face's tokenizers library itself as the tokenizer's oracle.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "eval/phrase_embeddings.h"
#include "model/bert.h"
#include "test_util.h"
#include "text/bert_tokenizer.h"

using namespace grove;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(GROVE_SOURCE_DIR) + "/tests/data/bert";

const json& expected() {
  static const json j = json::parse(test::read_file(kDir + "/expected.json"));
  return j;
}

std::string show(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t i : v) s += (s.empty() ? "" : " ") + std::to_string(i);
  return s;
}

}  // namespace

TEST(BertTokenizer, IdsEqualThePythonTranscriptionOnVariedAndRandomStrings) {
  const text::BertTokenizer tok = text::BertTokenizer::load(kDir + "/tiny");
  size_t agree = 0, total = 0;
  for (const json& c : expected()["tokens"]) {
    const std::string text = c["text"].get<std::string>();
    const size_t max_length = c.value("max_length", expected()["max_length"].get<size_t>());
    const std::vector<int32_t> want = c["ids"].get<std::vector<int32_t>>();
    const std::vector<int32_t> got = tok.encode(text, max_length);
    ++total;
    if (got == want) ++agree;
    else ADD_FAILURE() << json(text).dump() << "\n  want " << show(want) << "\n  got  " << show(got);
  }
  std::printf("[ tokenizer ] %zu of %zu strings give the transcription's ids\n", agree, total);
  EXPECT_GT(total, 400u);
}

// Hugging Face's tokenizers library itself (tests/oracle/bert, run by scripts/check.sh): the fixture's strings and
// 5000 seeded random strings of wider Unicode (RTL scripts, Devanagari, emoji with modifiers, compatibility forms,
// private use, more control and format characters, truncation to 8).
TEST(BertTokenizer, IdsEqualHuggingFacesTokenizers) {
  const char* path = std::getenv("GROVE_BERT_TOKENIZER_ORACLE");
  if (!path) GTEST_SKIP() << "GROVE_BERT_TOKENIZER_ORACLE is not set (scripts/check.sh sets it)";
  const text::BertTokenizer tok = text::BertTokenizer::load(kDir + "/tiny");
  std::istringstream in(test::read_file(path));
  std::string line;
  size_t agree = 0, total = 0;
  while (std::getline(in, line)) {
    const json c = json::parse(line);
    const std::vector<int32_t> want = c["ids"].get<std::vector<int32_t>>();
    const std::vector<int32_t> got = tok.encode(c["text"].get<std::string>(), c["max_length"].get<size_t>());
    ++total;
    if (got == want) ++agree;
    else ADD_FAILURE() << json(c["text"]).dump() << "\n  want " << show(want) << "\n  got  " << show(got);
  }
  std::printf("[ tokenizer ] %zu of %zu strings give Hugging Face tokenizers' ids\n", agree, total);
  EXPECT_GT(total, 5000u);
}

TEST(BertTokenizer, Steps) {
  const text::BertTokenizer tok = text::BertTokenizer::load(kDir + "/tiny/vocab.txt");  // the file itself
  EXPECT_EQ(tok.cls_id(), 4);
  EXPECT_EQ(tok.sep_id(), 5);
  EXPECT_EQ(tok.unk_id(), 3);
  EXPECT_EQ(tok.pad_id(), 0);
  using V = std::vector<std::string>;
  EXPECT_EQ(tok.basic_tokenize("  Hello,WORLD!! naïve\u00adcafé"), (V{"hello", ",", "world", "!", "!", "naivecafe"}));
  EXPECT_EQ(tok.basic_tokenize("a[MASK]b [mask]"), (V{"a", "[MASK]", "b", "[", "mask", "]"}));
  EXPECT_EQ(tok.basic_tokenize("中文text"), (V{"中", "文", "text"}));
  EXPECT_EQ(tok.basic_tokenize("ΣΑΣ"), (V{"σασ"}));  // no final sigma, as the fast tokenizer
  // Greedy longest match first: "unaffable" = un ##aff ##able; "unaffablez" has no piece for the rest but ##z.
  EXPECT_EQ(show(tok.wordpiece("unaffable")), show({tok.id("un"), tok.id("##aff"), tok.id("##able")}));
  EXPECT_EQ(show(tok.wordpiece("€uro")), show({tok.unk_id()}));
  EXPECT_EQ(show(tok.wordpiece(std::string(101, 'x'))), show({tok.unk_id()}));
  EXPECT_EQ(tok.wordpiece(std::string(100, 'x')).size(), 100u);
  // Truncation keeps [CLS] and [SEP].
  std::vector<int32_t> ids = tok.encode("the the the the", 4);
  EXPECT_EQ(show(ids), show({tok.cls_id(), tok.id("the"), tok.id("the"), tok.sep_id()}));
  EXPECT_EQ(show(tok.encode("", 512)), show({tok.cls_id(), tok.sep_id()}));
  // Invalid UTF-8 decodes to U+FFFD, which cleaning drops.
  EXPECT_EQ(tok.basic_tokenize("a\xff\xfe" "b"), (V{"ab"}));
}

TEST(BertTokenizer, LoadErrors) {
  test::TempDir d;
  EXPECT_THROW(text::BertTokenizer::load(d.path().string()), Error);
  test::write_file(d / "vocab.txt", "[PAD]\n[UNK]\n[SEP]\nthe\n");
  try {
    text::BertTokenizer::load(d.path().string());
    FAIL() << "a vocabulary without [CLS] loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[CLS]"), std::string::npos) << e.what();
  }
  test::write_file(d / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nThe\n");
  test::write_file(d / "tokenizer_config.json", R"({"do_lower_case": false})");
  const text::BertTokenizer cased = text::BertTokenizer::load(d.path().string());
  EXPECT_EQ(show(cased.encode("The Café", 512)), show({2, 4, 1, 3}));  // cased: "Café" keeps its accent, no piece
}

namespace {

// Embeds every expected phrase and returns the worst absolute difference from the fixture.
double worst_error(model::BertEmbedder& bert, size_t batch) {
  std::vector<std::string> texts;
  for (const json& e : expected()["embeddings"]) texts.push_back(e["text"].get<std::string>());
  at::Tensor got = bert.embed(texts, batch);
  EXPECT_EQ(got.size(0), static_cast<int64_t>(texts.size()));
  double worst = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<double> want = expected()["embeddings"][i]["embedding"].get<std::vector<double>>();
    EXPECT_EQ(show(bert.tokenizer().encode(texts[i], bert.max_length())),
              show(expected()["embeddings"][i]["ids"].get<std::vector<int32_t>>()));
    for (size_t k = 0; k < want.size(); ++k)
      worst = std::max(worst, std::abs(static_cast<double>(got[i][k].item<float>()) - want[k]));
  }
  return worst;
}

}  // namespace

TEST(BertEmbedder, MeanPooledEmbeddingsEqualTheReferenceForwardInBothLayouts) {
  for (const char* layout : {"tiny", "tiny-bin"}) {
    model::BertEmbedder bert(kDir + "/" + layout);
    EXPECT_EQ(bert.config().hidden_size, 32);
    EXPECT_EQ(bert.config().num_hidden_layers, 2);
    EXPECT_EQ(bert.max_length(), 64u);
    for (size_t batch : {1, 4, 64}) {
      const double worst = worst_error(bert, batch);
      std::printf("[ embedding ] %s, batch %zu: worst |error| %.3g\n", layout, batch, worst);
      // float32 against the float64 reference: ~2e-6 here. LayerNorm's eps at 1e-5 instead of 1e-12 moves the values
      // by ~1e-5, GELU's tanh form by ~4e-4.
      EXPECT_LT(worst, 5e-6) << layout << " batch " << batch;
    }
  }
}

TEST(BertEmbedder, PaddingDoesNotChangeAPhrase) {
  model::BertEmbedder bert(kDir + "/tiny");
  at::Tensor alone = bert.embed({"a dog"}, 1);
  at::Tensor padded = bert.embed({"a dog", "the " + std::string(30, 'x') + " wooden board"}, 2);
  EXPECT_LT((alone[0] - padded[0]).abs().max().item<float>(), 1e-5);
  EXPECT_EQ(bert.forwards(), 2u);
}

TEST(BertEmbedder, StateDictNamesAreHuggingFaces) {
  model::BertEmbedder bert(kDir + "/tiny");
  std::vector<std::string> names;
  for (const auto& p : bert.model()->named_parameters()) names.push_back(p.key());
  for (const char* n : {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                        "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
                        "encoder.layer.0.attention.self.query.weight", "encoder.layer.1.attention.self.value.bias",
                        "encoder.layer.0.attention.output.dense.weight", "encoder.layer.0.attention.output.LayerNorm.bias",
                        "encoder.layer.1.intermediate.dense.weight", "encoder.layer.1.output.dense.bias",
                        "encoder.layer.1.output.LayerNorm.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_EQ(names.size(), 5u + 2u * 16u);
  EXPECT_EQ(bert.config().layer_norm_eps, 1e-12);
  EXPECT_EQ(bert.model()->embeddings->LayerNorm->eps, 1e-12);
  EXPECT_EQ(bert.config().hidden_act, "gelu");
}

TEST(BertEmbedder, LoadErrorsNameWhatIsWrong) {
  test::TempDir d;
  for (const char* f : {"config.json", "vocab.txt"}) fs::copy_file(kDir + "/tiny/" + f, d / f);
  try {
    model::BertEmbedder bert(d.path().string());
    FAIL() << "loaded without weights";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
  // A config whose sizes do not match the weights: every mismatch is named.
  fs::copy_file(kDir + "/tiny/model.safetensors", d / "model.safetensors");
  json config = json::parse(test::read_file(kDir + "/tiny/config.json"));
  config["intermediate_size"] = 48;
  test::write_file(d / "config.json", config.dump());
  try {
    model::BertEmbedder bert(d.path().string());
    FAIL() << "loaded with the wrong intermediate_size";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("intermediate.dense.weight"), std::string::npos) << e.what();
  }
  config["intermediate_size"] = 64;
  config["position_embedding_type"] = "relative_key";
  test::write_file(d / "config.json", config.dump());
  EXPECT_THROW(model::BertConfig::load(d / "config.json"), Error);
}

TEST(PhraseEmbeddings, CosineAsTheFixtureAndTheGateDecides) {
  model::BertEmbedder bert(kDir + "/tiny");
  std::vector<std::string> phrases;
  for (const json& c : expected()["cosines"])
    for (const char* k : {"a", "b"})
      if (std::find(phrases.begin(), phrases.end(), c[k].get<std::string>()) == phrases.end())
        phrases.push_back(c[k].get<std::string>());
  at::Tensor e = bert.embed(phrases);
  std::vector<float> data(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  eval::PhraseEmbeddings emb(phrases, std::move(data), static_cast<size_t>(e.size(1)));
  for (const json& c : expected()["cosines"]) {
    const double got = emb.cosine(c["a"].get<std::string>(), c["b"].get<std::string>());
    EXPECT_NEAR(got, c["cosine"].get<double>(), 1e-5) << c.dump();
  }
  EXPECT_LT(emb.cosine("a red ball", "a blue car"), 0.5);
  EXPECT_GT(emb.cosine("the wooden board", "the wooden boards"), 0.5);
  EXPECT_THROW(emb.cosine("a red ball", "never embedded"), Error);
  EXPECT_EQ(emb.find("never embedded"), nullptr);
}
