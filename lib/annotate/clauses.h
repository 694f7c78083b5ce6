// Subject-verb-object clauses with their adpositional phrases, read off a sentence's Link Grammar linkage: the
// part-of-speech step of the annotation pipeline's stage 2 (reference/evaluation.md 2.7). The paper does not name
// its tagger; grove uses CMU's Link Grammar (Debian's liblink-grammar, English dictionary) because it gives more
// than tags: its typed links name the subject (S), the object (O), the verb's prepositional modifiers (MVp), a
// noun's (Mp), the preposition's object (J), determiners and adjectives (D, A, AN), so a clause is read from the
// parse instead of guessed from a tag sequence. It is deterministic, needs no model download, and parses a caption
// in milliseconds.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace grove::annotate {

struct Clause {
  std::string subject;                   // a noun phrase with its prepositional modifiers ("a man in a blue shirt")
  std::string verb;                      // with its auxiliaries: "is cutting"
  std::string object;                    // "" for an intransitive verb
  std::vector<std::string> adpositions;  // "on a wooden board", "with a spoon"
  // "(a man, is cutting, an onion) on a wooden board"
  std::string text() const;
};

class ClauseParser {
 public:
  // Loads the English dictionary. Throws grove::Error when Link Grammar's dictionary is not installed.
  ClauseParser();
  ~ClauseParser();
  ClauseParser(const ClauseParser&) = delete;
  ClauseParser& operator=(const ClauseParser&) = delete;

  // The clauses of one sentence, in the order of their verbs; empty when the sentence has no verb that Link
  // Grammar can attach a subject to (then noun_phrases() still finds its noun phrases). <p> tags are ignored.
  std::vector<Clause> clauses(const std::string& sentence) const;
  // The sentence's noun phrases (head nouns with their determiners and adjectives), in order.
  std::vector<std::string> noun_phrases(const std::string& sentence) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A caption without its <p> and </p> tags (and a generated caption's </s> and [DET]), whitespace collapsed.
std::string strip_tags(const std::string& tagged);

}  // namespace grove::annotate
