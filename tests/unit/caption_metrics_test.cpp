// The caption metrics against hand-worked values and against the COCO caption toolkit itself:
// tests/data/eval/captions_fixture.json holds 248 items (89 with several references) tokenised by the real
// PTBTokenizer (CoreNLP 3.4.1) and scored by pycocoevalcap 1.2's Bleu, Rouge and Cider (and METEOR 1.5 built from
// source, checked in meteor_test.cpp); make_caption_fixture.sh beside it made it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "eval/caption_metrics.h"
#include "eval/captions.h"
#include "eval/ptb_tokenize.h"
#include "io/record.h"

using namespace grove::eval;

namespace {

const double kTiny = 1e-15, kSmall = 1e-9;  // the toolkit's BLEU smoothing constants

grove::io::Record fixture() {
  std::ifstream f(std::string(GROVE_SOURCE_DIR) + "/tests/data/eval/captions_fixture.json");
  return grove::io::Record::parse(f);
}

CaptionItem item(std::string cand, std::vector<std::string> refs) { return CaptionItem{std::move(cand), std::move(refs)}; }

}  // namespace

TEST(PtbTokenize, SplitsLikeTheToolkit) {
  std::vector<std::string> in = {"A man's hat (red) isn't here.", "I cannot go, we're gonna see...",
                                 "She said \"yes\" -- twice!", "", "Mr. Smith visits the U.S. Army etc.",
                                 "3.5 cm at $5 for 50% of a well-known t-shirt"};
  std::vector<std::string> out = coco_tokenize(in);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(out[0], "a man 's hat -lrb- red -rrb- is n't here");  // -lowerCase turns -LRB- into -lrb-: kept
  EXPECT_EQ(out[1], "i can not go we 're gon na see");
  EXPECT_EQ(out[2], "she said yes twice");
  EXPECT_EQ(out[3], "");
  EXPECT_EQ(out[4], "mr. smith visits the u.s. army etc.");
  EXPECT_EQ(out[5], "3.5 cm at $ 5 for 50 % of a well-known t-shirt");
}

TEST(PtbTokenize, RawTokensBeforeLowercasing) {
  EXPECT_EQ(ptb_tokens("Hello (World)."), (std::vector<std::string>{"Hello", "-LRB-", "World", "-RRB-", "."}));
  EXPECT_EQ(ptb_tokens("a\nb"), (std::vector<std::string>{"a", "*NL*", "b"}));
  EXPECT_EQ(ptb_tokens("\"quoted\""), (std::vector<std::string>{"``", "quoted", "''"}));
}

TEST(PtbTokenize, OtherLineBreaksStayInsideTheirCaption) {
  // PTBLexer would start a new line at \r and shift every later caption; grove reads it as a space.
  std::vector<std::string> out = coco_tokenize({"a\rb", "c"});
  EXPECT_EQ(out, (std::vector<std::string>{"a b", "c"}));
}

TEST(PtbTokenize, JavaLowercase) {
  EXPECT_EQ(java_lowercase("ÀÉÎ ABC"), "àéî abc");
  EXPECT_EQ(java_lowercase("ΟΔΟΣ"), "οδος");  // final sigma at the end of a word
}

TEST(PtbTokenize, AgreesWithTheRealTokenizerOnTheFixture) {
  auto f = fixture();
  std::vector<std::string> cands, refs, want_c, want_r;
  for (const auto& it : f["items"]) {
    cands.push_back(it["candidate"]);
    want_c.push_back(it["candidate_tokens"]);
    for (const auto& r : it["references"]) refs.push_back(r);
    for (const auto& r : it["reference_tokens"]) want_r.push_back(r);
  }
  std::vector<std::string> got_c = coco_tokenize(cands), got_r = coco_tokenize(refs);
  for (size_t i = 0; i < cands.size(); ++i) EXPECT_EQ(got_c[i], want_c[i]) << cands[i];
  for (size_t i = 0; i < refs.size(); ++i) EXPECT_EQ(got_r[i], want_r[i]) << refs[i];
}

TEST(Bleu, IdenticalIsOne) {
  BleuResult b = bleu({item("the cat sat on the mat", {"the cat sat on the mat"})});
  for (double v : b.corpus) EXPECT_NEAR(v, 1.0, 1e-9);
}

TEST(Bleu, KnownNgramCounts) {
  // the cat sat on the mat / the cat is on the mat: 5/6 unigrams, 3/5 bigrams, 1/4 trigrams, 0/3 4-grams.
  BleuResult b = bleu({item("the cat sat on the mat", {"the cat is on the mat"})});
  double p1 = (5 + kTiny) / (6 + kSmall), p2 = (3 + kTiny) / (5 + kSmall), p3 = (1 + kTiny) / (4 + kSmall),
         p4 = (0 + kTiny) / (3 + kSmall);
  // Equal lengths still get a brevity penalty of exp(1 - 1/ratio), ratio = (6 + tiny) / (6 + small) < 1: the
  // toolkit's smoothing makes it 1 - 1.7e-10.
  double bp = std::exp(1 - 1 / ((6 + kTiny) / (6 + kSmall)));
  EXPECT_DOUBLE_EQ(b.corpus[0], p1 * bp);
  EXPECT_DOUBLE_EQ(b.corpus[1], std::pow(p1 * p2, 0.5) * bp);
  EXPECT_DOUBLE_EQ(b.corpus[2], std::pow(p1 * p2 * p3, 1.0 / 3) * bp);
  EXPECT_DOUBLE_EQ(b.corpus[3], std::pow(p1 * p2 * p3 * p4, 0.25) * bp);
  EXPECT_NEAR(b.corpus[2], 0.5, 1e-9);
  EXPECT_LT(b.corpus[3], 1e-3);
}

TEST(Bleu, ClippedCountsAndBrevityPenalty) {
  // "the the the" against "the cat": "the" counts once; length 3 > 2, no penalty.
  BleuResult b = bleu({item("the the the", {"the cat"})});
  EXPECT_NEAR(b.corpus[0], 1.0 / 3, 1e-9);
  // "the cat" against a 6-word reference: all unigrams right, penalty exp(1 - 6/2).
  b = bleu({item("the cat", {"the cat is on the mat"})});
  EXPECT_NEAR(b.corpus[0], std::exp(1 - 6.0 / 2), 1e-9);
  // Closest reference length: 4 words against references of 3 and 5 takes 3 (the shorter on a tie): no penalty.
  b = bleu({item("a b c d", {"a b c", "a b c d e"})});
  EXPECT_NEAR(b.corpus[0], 1.0, 1e-9);
}

TEST(Bleu, CorpusSumsCountsNotScores) {
  BleuResult b = bleu({item("a b", {"a b"}), item("c d e f", {"x y z w"})});
  EXPECT_NEAR(b.corpus[0], 2.0 / 6, 1e-9);  // 2 of 6 unigrams
  EXPECT_NEAR(b.per_item[0][0], 1.0, 1e-9);
  EXPECT_NEAR(b.per_item[1][0], 0.0, 1e-9);
}

TEST(Bleu, EmptyCandidate) {
  BleuResult b = bleu({item("", {"a man cuts an onion"})});
  for (double v : b.corpus) EXPECT_LT(v, 1e-6);
}

TEST(RougeL, HandWorked) {
  std::vector<double> r = rouge_l({item("the cat sat on the mat", {"the cat is on the mat"}),
                                   item("a b c d", {"a c", "b d a"}), item("x", {"y"}), item("", {"a b"})});
  EXPECT_NEAR(r[0], 5.0 / 6, 1e-12);  // LCS 5: P = R = 5/6
  // Against "a c": LCS 2, P 2/4, R 1; against "b d a": LCS 2, P 2/4, R 2/3. max P 1/2, max R 1.
  double p = 0.5, rec = 1.0, b2 = 1.2 * 1.2;
  EXPECT_NEAR(r[1], (1 + b2) * p * rec / (rec + b2 * p), 1e-12);
  EXPECT_EQ(r[2], 0.0);
  EXPECT_EQ(r[3], 0.0);  // an empty candidate is one empty word, found in no reference
  EXPECT_NEAR(rouge_l({item("same words", {"same words"})})[0], 1.0, 1e-12);
}

TEST(CiderD, HandWorked) {
  // Two items: "a b" against "a b", and "x" against "c d". idf = log 2 for every reference n-gram (each in one of
  // two items). Item 1: cosine 1 for unigrams and bigrams, 0 for 3- and 4-grams (no such n-grams), no length
  // penalty: (1 + 1 + 0 + 0) / 4 * 10 = 5. Item 2 shares nothing: 0.
  std::vector<double> c = cider_d({item("a b", {"a b"}), item("x", {"c d"})});
  EXPECT_NEAR(c[0], 5.0, 1e-12);
  EXPECT_EQ(c[1], 0.0);
  EXPECT_NEAR(mean(c), 2.5, 1e-12);
  // Several references: the sum over references divided by their number.
  c = cider_d({item("a b", {"a b", "e f"}), item("x", {"c d"})});
  EXPECT_NEAR(c[0], 2.5, 1e-12);
  // One item alone: idf = log 1 - log 1 = 0 for everything, so CIDEr-D is 0 even for a perfect match (the toolkit).
  EXPECT_EQ(cider_d({item("a b", {"a b"})})[0], 0.0);
}

TEST(CiderD, LengthPenaltyCountsBigrams) {
  // "a b c" (2 bigrams) against "a b" (1 bigram): delta 1 -> exp(-1/72); unigram cosine 2/sqrt(6), bigram 1/sqrt(2).
  std::vector<double> c = cider_d({item("a b c", {"a b"}), item("x", {"q r"})});
  // c is in no reference: idf log 2 too (df 0 -> max(1, 0)), so every weight is log 2 and cancels.
  // Unigram: dot 2 l2^2 / (sqrt(3) l2 * sqrt(2) l2) with l2 = log 2.
  double v1 = 2 / (std::sqrt(3.0) * std::sqrt(2.0)), v2 = 1 / std::sqrt(2.0);
  EXPECT_NEAR(c[0], (v1 + v2) * std::exp(-1.0 / 72) / 4 * 10, 1e-12);
}

TEST(Mean, NumpyPairwiseSummation) {
  std::vector<double> v;
  for (int i = 0; i < 300; ++i) v.push_back(1.0 / (i + 1));
  double naive = 0;
  for (double x : v) naive += x;
  EXPECT_NEAR(mean(v), naive / 300, 1e-15);
  EXPECT_EQ(mean({1.0, 2.0}), 1.5);
}

TEST(PythonSplit, UnicodeWhiteSpace) {
  EXPECT_EQ(python_split("  a\u00a0b\tc  "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(python_split("").empty());
}

TEST(CaptionMetrics, AgreeWithTheToolkitOnTheFixture) {
  auto f = fixture();
  std::vector<CaptionItem> items;
  for (const auto& it : f["items"]) {
    CaptionItem c;
    c.candidate = it["candidate_tokens"];
    for (const auto& r : it["reference_tokens"]) c.references.push_back(r);
    items.push_back(c);
  }
  ASSERT_GE(items.size(), 200u);
  BleuResult b = bleu(items);
  std::vector<double> r = rouge_l(items), c = cider_d(items);
  double worst[6] = {0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& s = f["items"][i]["scores"];
    for (int n = 0; n < 4; ++n) {
      double want = s["Bleu_" + std::to_string(n + 1)];
      EXPECT_NEAR(b.per_item[i][n], want, 1e-6) << "item " << i << " Bleu_" << n + 1;
      worst[n] = std::max(worst[n], std::fabs(b.per_item[i][n] - want));
    }
    EXPECT_NEAR(r[i], s["ROUGE_L"].get<double>(), 1e-6) << "item " << i;
    EXPECT_NEAR(c[i], s["CIDEr"].get<double>(), 1e-6) << "item " << i;
    worst[4] = std::max(worst[4], std::fabs(r[i] - s["ROUGE_L"].get<double>()));
    worst[5] = std::max(worst[5], std::fabs(c[i] - s["CIDEr"].get<double>()));
  }
  const auto& corpus = f["corpus"];
  for (int n = 0; n < 4; ++n) EXPECT_NEAR(b.corpus[n], corpus["Bleu_" + std::to_string(n + 1)].get<double>(), 1e-6);
  EXPECT_NEAR(mean(r), corpus["ROUGE_L"].get<double>(), 1e-6);
  EXPECT_NEAR(mean(c), corpus["CIDEr"].get<double>(), 1e-6);
  std::printf("worst per-item deviation: Bleu_1..4 %.3g %.3g %.3g %.3g, ROUGE_L %.3g, CIDEr %.3g\n", worst[0],
              worst[1], worst[2], worst[3], worst[4], worst[5]);
}

TEST(CaptionMetrics, WholePipelineFromRawCaptions) {
  auto f = fixture();
  std::vector<CaptionInput> items;
  for (const auto& it : f["items"]) {
    CaptionInput c{it["id"], it["candidate"], {}};
    for (const auto& r : it["references"]) c.references.push_back(r);
    items.push_back(c);
  }
  CaptionScores s = score_captions(items, nullptr);
  EXPECT_EQ(s.names, (std::vector<std::string>{"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"}));
  for (const std::string& n : s.names) EXPECT_NEAR(s.corpus[n], f["corpus"][n].get<double>(), 1e-6) << n;
  EXPECT_THROW(score_captions({CaptionInput{"x", "a", {}}}, nullptr), std::invalid_argument);
}

TEST(PtbTokenize, AnyBytesTerminate) {
  // Arbitrary bytes (invalid UTF-8, NUL, control characters, brackets, quotes) end in some tokens, never a hang.
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  static const char kAscii[] = "aZ09 .,'\"-()[]{}<>&;:/\\$#@!?*+=~`|^_\n\t\r\x7f";
  const std::string alphabet = std::string(kAscii, sizeof kAscii - 1) + std::string(1, '\0') +
                               "\xc3\xa9\xe2\x80\x99\xe2\x80\x94\xf0\x9f\x98\x80\xff\xfe\xc3";
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    size_t n = next() % 120;
    for (size_t k = 0; k < n; ++k) s += alphabet[next() % alphabet.size()];
    texts.push_back(s);
  }
  std::vector<std::string> out = coco_tokenize(texts);
  ASSERT_EQ(out.size(), texts.size());
  std::vector<CaptionInput> items;
  for (size_t i = 0; i + 1 < texts.size(); i += 2) items.push_back({std::to_string(i), texts[i], {texts[i + 1]}});
  CaptionScores s = score_captions(items, nullptr);
  for (const auto& [name, v] : s.corpus) EXPECT_FALSE(std::isnan(v)) << name;
}
