// METEOR 1.5 (-l en -norm) against hand-worked statistics and against METEOR itself: captions_fixture.json holds
// the per-item statistics and scores, and the corpus score, that METEOR 1.5 built from source printed for 248
// caption items with an empty paraphrase table and with paraphrase-test.gz (make_caption_fixture.sh).
// Needs WordNet 3.0 (Debian: wordnet-base); the tests that need it are skipped when it is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/captions.h"
#include "eval/meteor.h"
#include "eval/wordnet.h"
#include "io/record.h"

using namespace grove::eval;

namespace {

std::string data(const std::string& name) { return std::string(GROVE_SOURCE_DIR) + "/tests/data/eval/" + name; }

bool have_wordnet() { return std::filesystem::exists(WordNet::default_dir() + "/index.noun"); }

#define NEED_WORDNET() \
  if (!have_wordnet()) GTEST_SKIP() << "WordNet 3.0 not found in " << WordNet::default_dir()

// METEOR's score from counts, written out: content/function words matched per module on each side.
double score_by_hand(double tlen, double tfun, double rlen, double rfun, double tmatch_c, double tmatch_f,
                     double rmatch_c, double rmatch_f, double chunks, double words_matched_avg, bool perfect) {
  const double a = 0.85, b = 0.20, g = 0.60, d = 0.75;
  double p = (tmatch_c * d + tmatch_f * (1 - d)) / (d * (tlen - tfun) + (1 - d) * tfun);
  double r = (rmatch_c * d + rmatch_f * (1 - d)) / (d * (rlen - rfun) + (1 - d) * rfun);
  double fmean = 1 / ((1 - a) / p + a / r);
  double frag = perfect ? 0 : chunks / words_matched_avg;
  return fmean * (1 - g * std::pow(frag, b));
}

}  // namespace

TEST(MeteorNormalize, LikeMeteorsNormalizer) {
  EXPECT_EQ(Meteor::normalize("The U.S. army, 1,000 men's \"boots\"..."), "the us army , 1,000 men 's \" boots \" ...");
  EXPECT_EQ(Meteor::normalize("well-known"), "well known");  // dashes between words go
  EXPECT_EQ(Meteor::normalize("it ends here."), "it ends here .");
  EXPECT_EQ(Meteor::normalize("mr. smith"), "mr. smith");  // followed by a lower-case word: kept
}

TEST(MeteorStatsText, JavaDoubles) {
  MeteorStats s;
  s.test_length = 6;
  s.reference_length = 7;
  EXPECT_EQ(s.to_string().substr(0, 8), "6.0 7.0 ");
}

TEST(JavaHash, MatchesStringHashCode) {
  EXPECT_EQ(java_hash(""), 0);
  EXPECT_EQ(java_hash("a"), 97);
  EXPECT_EQ(java_hash("hello"), 99162322);
  EXPECT_EQ(java_hash("polygenelubricants"), static_cast<int>(0x80000000u));  // the classic Integer.MIN_VALUE
}

TEST(WordNet, SynsetsAndMorphology) {
  NEED_WORDNET();
  WordNet wn(WordNet::default_dir());
  std::vector<int> car = wn.synsets("car"), automobile = wn.synsets("automobile");
  ASSERT_FALSE(car.empty());
  EXPECT_TRUE(std::find(car.begin(), car.end(), 2958343) != car.end());  // motor vehicle
  EXPECT_TRUE(std::find(automobile.begin(), automobile.end(), 2958343) != automobile.end());
  EXPECT_TRUE(wn.synsets("no-such-lemma-xyz").empty());
  EXPECT_EQ(wn.bases("geese"), std::vector<std::string>{"goose"});
  EXPECT_EQ(wn.morph("boxes"), "box");     // "xes" -> "x"
  EXPECT_EQ(wn.morph("glass"), "glass");   // ends in "ss": itself
  EXPECT_EQ(wn.morph("qzqzqs"), "");       // no lemma after any detachment
  // The verb "forget" has the original release's offsets whichever edition is installed.
  std::vector<int> forget = wn.synsets("forget");
  EXPECT_TRUE(std::find(forget.begin(), forget.end(), 613018) != forget.end());
}

TEST(Meteor, IdenticalIsOne) {
  NEED_WORDNET();
  Meteor m(MeteorConfig{});
  MeteorStats s = m.stats("a man cuts an onion", {"a man cuts an onion"});
  EXPECT_EQ(s.chunks, 1);
  EXPECT_DOUBLE_EQ(Meteor::score(s), 1.0);
}

TEST(Meteor, DisjointAndEmptyAreZero) {
  NEED_WORDNET();
  Meteor m(MeteorConfig{});
  EXPECT_EQ(Meteor::score(m.stats("xylophone zebra", {"a man cuts an onion"})), 0.0);
  EXPECT_EQ(Meteor::score(m.stats("", {"a man cuts an onion"})), 0.0);
}

TEST(Meteor, HandWorkedFragmentation) {
  NEED_WORDNET();
  Meteor m(MeteorConfig{});
  // Candidate "the president spoke to the audience", reference "the president then spoke to the audience".
  // Function words (METEOR's english.words): the, to. Test: 6 words, 3 function; reference: 7 words, 3 function.
  // All 6 candidate words match exactly, in 2 chunks ("the president" | "spoke to the audience").
  MeteorStats s = m.stats("the president spoke to the audience", {"the president then spoke to the audience"});
  EXPECT_EQ(s.test_length, 6);
  EXPECT_EQ(s.reference_length, 7);
  EXPECT_EQ(s.test_function_words, 3);
  EXPECT_EQ(s.reference_function_words, 3);
  EXPECT_EQ(s.test_content[0], 3);
  EXPECT_EQ(s.test_function[0], 3);
  EXPECT_EQ(s.chunks, 2);
  // P = 3/3 = 1, R = 3/3.75 = 0.8, Fmean = 1/(0.15 + 0.85/0.8), frag = 2/6.
  double want = score_by_hand(6, 3, 7, 3, 3, 3, 3, 3, 2, 6, false);
  EXPECT_DOUBLE_EQ(Meteor::score(s), want);
  EXPECT_NEAR(want, 0.42750, 1e-5);
}

TEST(Meteor, StemSynonymAndParaphraseModules) {
  NEED_WORDNET();
  ParaphraseTable table;
  table.add("is cutting", "cuts");
  MeteorConfig config;
  config.paraphrases = &table;
  Meteor m(config);
  // "cats"/"cat": same Snowball stem (module 1). "automobile"/"car": a shared WordNet synset (module 2).
  MeteorStats s = m.align("the cats", "the cat");
  EXPECT_EQ(s.test_content[1], 1);
  s = m.align("an automobile", "a car");
  EXPECT_EQ(s.test_content[2], 1);
  // "cuts" on the candidate side, "is cutting" in the reference: one paraphrase match, 1 word against 2.
  s = m.align("he cuts bread", "he is cutting bread");
  EXPECT_EQ(s.test_content[3] + s.test_function[3], 1);
  EXPECT_EQ(s.reference_content[3] + s.reference_function[3], 2);
  EXPECT_EQ(s.chunks, 1);
  // Weighted: stem 0.6, synonym 0.8, paraphrase 0.6 of an exact match.
  MeteorStats exact = m.align("the cat", "the cat"), stem = m.align("the cats", "the cat");
  EXPECT_GT(Meteor::score(exact), Meteor::score(stem));
}

TEST(Meteor, CorpusScoreSumsStatistics) {
  NEED_WORDNET();
  Meteor m(MeteorConfig{});
  MeteorStats a = m.stats("a man cuts an onion", {"a man cuts an onion"});
  MeteorStats b = m.stats("onion a man", {"a man cuts an onion"});
  MeteorStats total;
  Meteor::add(total, a);
  Meteor::add(total, b);
  EXPECT_EQ(total.chunks, b.chunks);  // a perfect match adds no chunks
  EXPECT_EQ(total.test_length, a.test_length + b.test_length);
  EXPECT_NE(Meteor::score(total), (Meteor::score(a) + Meteor::score(b)) / 2);
}

TEST(Meteor, ParaphraseTableFile) {
  auto t = ParaphraseTable::load(data("paraphrase-test.gz"));
  EXPECT_EQ(t->size(), 18u);
  EXPECT_GE(t->word("cutting"), 0);
  EXPECT_EQ(t->word("nonexistent"), -1);
  EXPECT_THROW(ParaphraseTable::load(data("no-such-table.gz")), grove::Error);
}

TEST(Meteor, AgreesWithMeteorOnTheFixture) {
  NEED_WORDNET();
  std::ifstream f(data("captions_fixture.json"));
  grove::io::Record fx = grove::io::Record::parse(f);
  std::vector<CaptionInput> items;
  for (const auto& it : fx["items"]) {
    CaptionInput c{it["id"], it["candidate"], {}};
    for (const auto& r : it["references"]) c.references.push_back(r);
    items.push_back(c);
  }
  auto table = ParaphraseTable::load(data("paraphrase-test.gz"));
  for (int with_table = 0; with_table < 2; ++with_table) {
    MeteorConfig config;
    if (with_table) config.paraphrases = table.get();
    Meteor m(config);
    CaptionScores s = score_captions(items, &m, 2);
    std::string key = with_table ? "METEOR_para" : "METEOR";
    double worst = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      double want = fx["items"][i]["scores"][key];
      EXPECT_NEAR(s.per_item[i]["METEOR"], want, 1e-6) << items[i].id << " " << key;
      worst = std::max(worst, std::fabs(s.per_item[i]["METEOR"] - want));
      // The sufficient statistics themselves, in METEOR's text form.
      std::string hyp = s.candidate_tokens[i];
      EXPECT_EQ(m.stats(hyp, s.reference_tokens[i]).to_string(),
                fx["items"][i][with_table ? "meteor_para_stats" : "meteor_stats"].get<std::string>())
          << items[i].id;
    }
    EXPECT_NEAR(s.corpus["METEOR"], fx["corpus"][key].get<double>(), 1e-6) << key;
    std::printf("%s: worst per-item deviation %.3g, corpus %.17g (METEOR: %.17g)\n", key.c_str(), worst,
                s.corpus["METEOR"], fx["corpus"][key].get<double>());
  }
}

TEST(Meteor, AnyBytesScoreBetweenZeroAndOne) {
  NEED_WORDNET();
  ParaphraseTable table;
  table.add("a b", "c");
  MeteorConfig config;
  config.paraphrases = &table;
  Meteor m(config);
  uint32_t x = 777;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  const std::vector<std::string> words = {"a", "b", "c", "the", "cats", "cat", "car", "automobile", "'s", ",", ".",
                                          "...", "--", "u.s.", "1,000", "\xc3\xa9t\xc3\xa9", "\xff", "-lrb-", "'"};
  for (int i = 0; i < 200; ++i) {
    std::string cand, ref;
    for (size_t k = next() % 15; k > 0; --k) cand += words[next() % words.size()] + " ";
    for (size_t k = next() % 15; k > 0; --k) ref += words[next() % words.size()] + " ";
    double s = Meteor::score(m.stats(cand, {ref}));
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
}
