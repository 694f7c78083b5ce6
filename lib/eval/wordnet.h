// The WordNet 3.0 look-ups METEOR 1.5's synonym module makes (edu.cmu.meteor.aligner.SynonymDictionary), read
// straight from the WordNet database files (Debian: wordnet-base, /usr/share/wordnet) instead of METEOR's
// derived english.synsets / english.exceptions files:
//   - synsets(word): the synset offsets of every sense of the lemma, all parts of speech together, as plain
//     numbers (METEOR builds them from index.sense; index.noun/verb/adj/adv list the same senses). Offsets are
//     compared as numbers, so a noun and a verb synset with equal offsets count as one, as in METEOR;
//   - bases(form): the base forms the exception lists (adj.exc, adv.exc, noun.exc, verb.exc) give an inflected
//     form;
//   - stem_synsets(word): the synsets of the bases of an exception, else of METEOR's own detachment of WordNet's
//     suffixes (its morph()).
// Debian's wordnet-base ships data.verb and data.adj with a few entries edited, which moves the byte offsets
// (the synset ids) of the verbs from 613036 up to 2422967 by +18 and of the adjectives from 1681478 on by +1.
// METEOR's files were made from the original release; when the files read are Debian's edition (recognised by
// the offsets of "forget"), the original offsets are restored so that the numbers, and their accidental
// collisions across parts of speech, are METEOR's exactly (checked against english.synsets: all 147,306 lemmas
// agree).
// The files are sorted, so a word is found by binary search in the mapped files: opening costs almost nothing
// and each distinct word is looked up once (the answers are cached; the class is thread-safe).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace grove::eval {

class WordNet {
 public:
  // Opens the database in dir (index.* and *.exc); throws grove::Error naming the file that is missing.
  explicit WordNet(const std::string& dir);
  ~WordNet();
  WordNet(const WordNet&) = delete;
  WordNet& operator=(const WordNet&) = delete;

  // The directory WNSEARCHDIR names (WordNet's own variable), else /usr/share/wordnet.
  static std::string default_dir();

  const std::string& dir() const;
  // True when the files read are Debian's edition and the original offsets are restored.
  bool offsets_restored() const;

  // Sorted, distinct synset offsets of the lemma (empty if it is not in WordNet).
  std::vector<int> synsets(const std::string& word) const;
  // True if the lemma is in some index file.
  bool has_lemma(const std::string& word) const;
  // The base forms listed for an inflected form, in file order (adj, adv, noun, verb).
  std::vector<std::string> bases(const std::string& form) const;
  // SynonymDictionary.getStemSynSets.
  std::vector<int> stem_synsets(const std::string& word) const;
  // SynonymDictionary.morph: a suffix detached (and an ending added) when the result is a lemma; "" if none; the
  // word itself if it ends in "ss" or has at most 2 characters.
  std::string morph(const std::string& word) const;
  // Part-of-speech views for lemmatizers (pos: 0 noun, 1 verb, 2 adj, 3 adv): whether the lemma is in index.POS,
  // and the base forms POS.exc lists for an inflected form.
  bool in_index(const std::string& word, int pos) const;
  std::vector<std::string> exception_bases(const std::string& form, int pos) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grove::eval
