// METEOR 1.5 as pycocoevalcap runs it: `java -jar meteor-1.5.jar - - -stdio -l en -norm`, one SCORE line per
// item (its references and the candidate, already through the toolkit's tokenisation step), then one EVAL line
// of all the items' statistics. This is a reimplementation of METEOR's own algorithm (cmu-mtlab/meteor):
//   - -norm: its Moses-style normaliser (edu.cmu.meteor.util.Normalizer, keeping punctuation) and lowercasing;
//   - the aligner: candidate matches from the exact, stem (Snowball English, via Debian's libstemmer: the same
//     algorithm METEOR bundles, checked word for word on WordNet's vocabulary), synonym (WordNet 3.0, wordnet.h)
//     and paraphrase modules in that order; words compared by their Java hash codes as METEOR does; one-to-one
//     unambiguous matches fixed first; then METEOR's left-to-right beam search (beam 40) that prefers more
//     matches (weighted 1, .5, .5, .5 and truncated to an integer, as Java's int += double does), then fewer
//     chunks, then a smaller distance (with METEOR's bookkeeping of it, quirks included);
//   - English "rank" (the default task) parameters: alpha 0.85, beta 0.20, gamma 0.60, delta 0.75; module
//     weights 1.0, 0.6, 0.8, 0.6; the function words of METEOR's english.words list;
//   - score = Fmean * (1 - gamma * frag^beta), frag = chunks / mean matched words (0 for a perfect match); the
//     best of the references by score (the first on ties) gives the item's statistics;
//   - the corpus score is the score of the summed statistics, as COCO's build of the jar prints last for a
//     multi-statistics EVAL line ("changes have been made to the source code to properly aggregate the
//     statistics for the entire corpus", coco-caption's README); chunks of perfect matches are not summed.
// The paraphrase table is METEOR's data/paraphrase-en.gz (gzip: a probability line, a phrase line, a paraphrase
// line, repeated). It is the user's file: without it the paraphrase module finds nothing, and the caller must
// say that the score omits paraphrases.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "eval/wordnet.h"

namespace grove::eval {

// The sufficient statistics of one candidate against one reference (METEOR's MeteorStats), or their sum.
struct MeteorStats {
  double test_length = 0, reference_length = 0;
  double test_function_words = 0, reference_function_words = 0;
  double test_total_matches = 0, reference_total_matches = 0;
  // Per module (exact, stem, synonym, paraphrase): matched content and function words on each side.
  std::array<double, 4> test_content{}, reference_content{}, test_function{}, reference_function{};
  double chunks = 0;
  double test_word_matches = 0, reference_word_matches = 0;

  // METEOR's text form (Java doubles: "12.0"), as the -stdio SCORE line answers.
  std::string to_string() const;
};

// METEOR's paraphrase table as a transducer over the phrases of its first column.
class ParaphraseTable {
 public:
  ParaphraseTable();
  ~ParaphraseTable();
  // Reads a gzip'd (or plain) table; throws grove::Error naming the file.
  static std::unique_ptr<ParaphraseTable> load(const std::string& path);
  // Adds one entry (phrases of space-separated words); for tests and small tables.
  void add(const std::string& phrase, const std::string& paraphrase);
  size_t size() const;

  // The word's id in the table's vocabulary, -1 if absent.
  int word(const std::string& w) const;
  // Pairs (phrase length, entry) of the entries whose phrase starts at words[start] (shortest first).
  std::vector<std::pair<int, int>> paths(const std::vector<int>& words, size_t start) const;
  const std::vector<int>& paraphrase(int entry) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct MeteorConfig {
  std::string wordnet_dir = WordNet::default_dir();
  const ParaphraseTable* paraphrases = nullptr;  // not owned; null: no paraphrase matches
  int beam_size = 40;
};

class Meteor {
 public:
  explicit Meteor(const MeteorConfig& config);
  ~Meteor();

  // Normalizer.normalizeLine(line, English, keep punctuation) then lowercasing: the -norm step.
  static std::string normalize(const std::string& line);

  // The statistics of a candidate against its best reference (SCORE line; the texts are normalised here).
  MeteorStats stats(const std::string& candidate, const std::vector<std::string>& references) const;
  // The statistics of one candidate against one reference, both already normalised.
  MeteorStats align(const std::string& candidate, const std::string& reference) const;

  // MeteorScorer.computeMetrics: the score of one item's or of summed statistics.
  static double score(const MeteorStats& s);
  // MeteorStats.addStats: adds s into total.
  static void add(MeteorStats& total, const MeteorStats& s);

  bool has_paraphrases() const;
  const WordNet& wordnet() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Java's String.hashCode() of UTF-8 text (over its UTF-16 code units): METEOR's word identity.
int java_hash(const std::string& s);

}  // namespace grove::eval
