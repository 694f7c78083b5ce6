// See lemmatizer.h.
#include "eval/lemmatizer.h"

#include <cstring>

namespace grove::eval {

Lemmatizer::Lemmatizer(const std::string& dir) : wordnet_(dir) {}

std::string Lemmatizer::morphy(const std::string& word, int pos) const {
  if (word.empty()) return "";
  if (wordnet_.in_index(word, pos)) return word;
  for (const std::string& b : wordnet_.exception_bases(word, pos)) {
    if (wordnet_.in_index(b, pos)) return b;
  }
  // WordNet's detachment rules for the part of speech.
  struct Rule { const char* suffix; const char* ending; };
  static const Rule kNoun[] = {{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"},
                               {"men", "man"}, {"ies", "y"}};
  static const Rule kVerb[] = {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""},
                               {"ing", "e"}, {"ing", ""}};
  static const Rule kAdj[] = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
  const Rule* rules = pos == 0 ? kNoun : pos == 1 ? kVerb : pos == 2 ? kAdj : nullptr;
  const size_t n = pos == 0 ? 8 : pos == 1 ? 8 : pos == 2 ? 4 : 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t ls = std::strlen(rules[i].suffix);
    if (word.size() <= ls || word.compare(word.size() - ls, ls, rules[i].suffix) != 0) continue;
    const std::string c = word.substr(0, word.size() - ls) + rules[i].ending;
    if (wordnet_.in_index(c, pos)) return c;
  }
  return "";
}

std::string Lemmatizer::lemma(const std::string& phrase) const {
  // The first token: up to white space (CoreNLP's tokenizer would also split punctuation off; the classes and
  // tokens compared here are single words already).
  size_t a = phrase.find_first_not_of(" \t\n\r");
  if (a == std::string::npos) return "";
  size_t b = phrase.find_first_of(" \t\n\r", a);
  std::string w = phrase.substr(a, b == std::string::npos ? std::string::npos : b - a);
  for (char& c : w)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(w);
    if (it != cache_.end()) return it->second;
  }
  std::string out = w;
  for (int pos = 0; pos < 4; ++pos) {
    std::string m = morphy(w, pos);
    if (!m.empty()) {
      out = m;
      break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_.emplace(w, out);
  return out;
}

}  // namespace grove::eval
