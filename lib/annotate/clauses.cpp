// See clauses.h. Link labels are matched by their upper-case head: "Ss*s" is an S link, "SJls" is not (SJ is
// coordination), so kind(label, "S") checks that the character after the head is not upper-case.
#include "annotate/clauses.h"

#include <link-grammar/link-includes.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "core/error.h"
#include "core/strings.h"

namespace grove::annotate {

namespace {

bool kind(const std::string& label, const char* head) {
  const size_t n = std::char_traits<char>::length(head);
  if (label.compare(0, n, head) != 0) return false;
  return label.size() == n || !std::isupper(static_cast<unsigned char>(label[n]));
}


// "man.n" -> "man", "blah[?].n" -> "blah", "[blah]" -> "blah"; punctuation and numbers are kept as they are.
std::string plain_word(std::string w) {
  if (auto q = w.find("[?]"); q != std::string::npos) w.erase(q, 3);
  if (w.size() > 2 && w.front() == '[' && w.back() == ']') w = w.substr(1, w.size() - 2);
  const size_t dot = w.rfind('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < w.size()) {
    const std::string suffix = w.substr(dot + 1);
    if (std::all_of(suffix.begin(), suffix.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '-'; }))
      w.erase(dot);
  }
  return w;
}

struct Link {
  std::string label;
  int l, r;
};

// One linkage, as words and links, with the phrase-building rules of this file.
struct Parse {
  std::vector<std::string> words;
  std::vector<Link> links;

  std::vector<const Link*> from(int w, const char* head) const {  // links w -> (right)
    std::vector<const Link*> out;
    for (const auto& k : links)
      if (k.l == w && k.r > w && kind(k.label, head)) out.push_back(&k);
    return out;
  }
  std::vector<const Link*> to(int w, const char* head) const {  // (left) -> w
    std::vector<const Link*> out;
    for (const auto& k : links)
      if (k.r == w && k.l < w && kind(k.label, head)) out.push_back(&k);
    return out;
  }
  std::string span(int lo, int hi) const {
    std::string s;
    for (int i = lo; i <= hi; ++i)
      if (!words[i].empty()) s += (s.empty() ? "" : " ") + words[i];
    return s;
  }
  // The first word of head h's noun phrase: its determiners, numbers, adjectives and noun modifiers, and theirs.
  int left_end(int h) const {
    int lo = h;
    for (const char* head : {"D", "A", "AN", "EA", "DD", "NN"})
      for (const Link* k : to(h, head)) lo = std::min(lo, left_end(k->l));
    return lo;
  }
  // The last word: h, or the object of an "of" that modifies h ("a bowl of soup").
  int right_end(int h) const {
    for (const Link* m : from(h, "M"))
      if (words[m->r] == "of")
        for (const Link* j : from(m->r, "J")) return right_end(j->r);
    return h;
  }
  bool is_conjunction(int w) const { return !from(w, "SJr").empty() && !to(w, "SJl").empty(); }
  // The noun phrase headed by h; a coordination ("a knife and a fork") when h is the conjunction.
  std::string noun_phrase(int h) const {
    if (is_conjunction(h)) return noun_phrase(to(h, "SJl").front()->l) + " " + words[h] + " " + noun_phrase(from(h, "SJr").front()->r);
    return span(left_end(h), right_end(h));
  }
  // "on a board" for each preposition modifying w that `taken` does not hold yet (a preposition can be linked to
  // both the verb and its object).
  std::vector<std::string> prepositional(int w, std::set<int>& taken) const {
    std::vector<std::string> out;
    for (const char* head : {"MVp", "Mp", "Pp"})
      for (const Link* p : from(w, head))
        for (const Link* j : from(p->r, "J"))
          if (taken.insert(p->r).second) out.push_back(words[p->r] + " " + noun_phrase(j->r));
    return out;
  }
  // The main verb of an auxiliary chain: "is" -> "cutting" (Pg), "has" -> "cut" (PP), "can" -> "cut" (I).
  int main_verb(int v) const {
    for (const char* head : {"Pg", "Pv", "PP", "I"})
      for (const Link* k : from(v, head)) return main_verb(k->r);
    return v;
  }
};

}  // namespace

std::string Clause::text() const {
  std::string s = "(" + subject + ", " + verb + (object.empty() ? "" : ", " + object) + ")";
  for (const auto& a : adpositions) s += " " + a;
  return s;
}

std::string strip_tags(const std::string& tagged) {
  std::string s = tagged;
  for (const char* tag : {"<p>", "</p>", "</s>", "[DET]"})
    for (size_t at; (at = s.find(tag)) != std::string::npos;) s.replace(at, std::char_traits<char>::length(tag), " ");
  return collapse_spaces(s);
}

struct ClauseParser::Impl {
  Dictionary dict = nullptr;
  Parse_Options opts = nullptr;

  Parse parse(const std::string& sentence) const {
    Parse p;
    const std::string text = strip_tags(sentence);
    if (text.empty()) return p;
    Sentence s = sentence_create(text.c_str(), dict);
    if (!s) return p;
    parse_options_set_min_null_count(opts, 0);
    parse_options_set_max_null_count(opts, 0);
    int n = sentence_parse(s, opts);
    if (n <= 0) {  // words Link Grammar cannot attach are left out ("null links") rather than the whole sentence
      parse_options_set_min_null_count(opts, 1);
      parse_options_set_max_null_count(opts, sentence_length(s));
      n = sentence_parse(s, opts);
    }
    if (n > 0) {
      Linkage l = linkage_create(0, s, opts);
      if (l) {
        for (int w = 0; w < static_cast<int>(linkage_get_num_words(l)); ++w) {
          std::string word = linkage_get_word(l, w);
          // Walls, and words left out of a partial parse ("[on]"), are not part of any phrase.
          const bool left_out = word.size() > 2 && word.front() == '[' && word.back() == ']';
          p.words.push_back(word == "LEFT-WALL" || word == "RIGHT-WALL" || left_out ? "" : plain_word(word));
        }
        for (int k = 0; k < static_cast<int>(linkage_get_num_links(l)); ++k)
          p.links.push_back({linkage_get_link_label(l, k), static_cast<int>(linkage_get_link_lword(l, k)),
                             static_cast<int>(linkage_get_link_rword(l, k))});
        linkage_delete(l);
      }
    }
    sentence_delete(s);
    return p;
  }
};

namespace {
void quiet_handler(lg_errinfo*, void*) {}  // Link Grammar's locale notes and parse warnings are not the user's
}  // namespace

ClauseParser::ClauseParser() : impl_(std::make_unique<Impl>()) {
  lg_error_set_handler(quiet_handler, nullptr);
  impl_->dict = dictionary_create_lang("en");
  if (!impl_->dict)
    throw Error("link-grammar", "cannot load the English dictionary (install link-grammar-dictionaries-en)");
  impl_->opts = parse_options_create();
  parse_options_set_verbosity(impl_->opts, 0);
  parse_options_set_max_parse_time(impl_->opts, 5);
  parse_options_set_linkage_limit(impl_->opts, 100);
}

ClauseParser::~ClauseParser() {
  if (impl_->opts) parse_options_delete(impl_->opts);
  if (impl_->dict) dictionary_delete(impl_->dict);
}

std::vector<Clause> ClauseParser::clauses(const std::string& sentence) const {
  const Parse p = impl_->parse(sentence);
  std::vector<std::pair<int, int>> subject_verb;  // (subject head, verb) by verb position
  for (const auto& k : p.links) {
    if (kind(k.label, "S") && k.l < k.r) subject_verb.emplace_back(k.l, k.r);
    if ((kind(k.label, "Mg") || kind(k.label, "Mv")) && k.l < k.r) subject_verb.emplace_back(k.l, k.r);
  }
  std::sort(subject_verb.begin(), subject_verb.end(), [](auto a, auto b) { return a.second < b.second; });
  std::vector<Clause> out;
  for (auto [s, v] : subject_verb) {
    if (p.words[s].empty()) continue;
    Clause c;
    std::set<int> taken;
    c.subject = p.noun_phrase(s);
    for (const auto& pp : p.prepositional(s, taken)) c.subject += " " + pp;
    const int main = p.main_verb(v);
    c.verb = p.span(v, main);
    for (const Link* o : p.from(main, "O")) {
      c.object = p.noun_phrase(o->r);
      c.adpositions = p.prepositional(o->r, taken);
      break;
    }
    for (const auto& pp : p.prepositional(main, taken)) c.adpositions.push_back(pp);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> ClauseParser::noun_phrases(const std::string& sentence) const {
  const Parse p = impl_->parse(sentence);
  std::set<int> heads;
  for (const auto& k : p.links) {
    if (kind(k.label, "D") || kind(k.label, "A") || kind(k.label, "AN")) heads.insert(k.r);
    if (kind(k.label, "S") || kind(k.label, "Mg") || kind(k.label, "Mv")) heads.insert(k.l);
    if (kind(k.label, "O") || kind(k.label, "J")) heads.insert(k.r);
  }
  // A head inside another's phrase (an adjective's noun modifier, the object of "of") is not a phrase of its own.
  std::vector<std::pair<int, int>> spans;
  for (int h : heads) {
    if (p.words[h].empty() || p.is_conjunction(h) || !p.from(h, "AN").empty() || !p.from(h, "A").empty()) continue;
    spans.emplace_back(p.left_end(h), p.right_end(h));
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::string> out;
  int covered = -1;
  for (auto [lo, hi] : spans) {
    if (hi <= covered) continue;
    out.push_back(p.span(lo, hi));
    covered = hi;
  }
  return out;
}

}  // namespace grove::annotate
