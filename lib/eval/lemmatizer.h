// The lemmatizer grove-eval's ActivityNet-Entities protocol uses where the original asks Stanford CoreNLP 4.5.7
// (annotators "lemma", one word at a time, the first token's lemma). CoreNLP tags the lone word with its POS
// tagger and lemmatizes with Morpha; neither the Java pipeline nor its tagger model is available here, so grove
// uses WordNet's morphy (the WordNet 3.0 database of Debian's wordnet-base, already read for METEOR), without a
// tag: the word is lowercased, then for noun, verb, adjective and adverb in that order, the first of
//   (the word itself if it is a lemma of that part of speech, else its bases in POS.exc, else the first
//    detachment-rule result that is a lemma of that part of speech)
// is the lemma; a word no part of speech knows is its own lemma. Preferring the noun reading matches what a
// tagger says of a lone noun-or-verb form most often ("leaves" -> "leaf"); verb forms that are not nouns still
// reduce ("is" -> "be", "covers" -> "cover"). A multi-word phrase is lemmatized by its first word, as the original
// reads tokens[0]. Results are cached; the class is thread-safe for reading after construction.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "eval/wordnet.h"

namespace grove::eval {

class Lemmatizer {
 public:
  explicit Lemmatizer(const std::string& wordnet_dir);
  // The lemma of the phrase's first word.
  std::string lemma(const std::string& phrase) const;
  // WordNet's morphy for one part of speech (0 noun, 1 verb, 2 adj, 3 adv): "" when none.
  std::string morphy(const std::string& word, int pos) const;

 private:
  WordNet wordnet_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::string> cache_;
};

}  // namespace grove::eval
