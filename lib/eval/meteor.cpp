#include "eval/meteor.h"

#include <libstemmer.h>
#include <re2/re2.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/strings.h"
#include "core/utf8.h"
#include "eval/ptb_tokenize.h"

namespace grove::eval {

namespace {

// ---- METEOR's constants for English, task "default" (= rank), -norm ---------------------------------------------
constexpr double kAlpha = 0.85, kBeta = 0.20, kGamma = 0.60, kDelta = 0.75;
constexpr std::array<double, 4> kModuleWeights = {1.0, 0.6, 0.8, 0.6};  // exact stem synonym paraphrase
constexpr std::array<double, 4> kAlignWeights = {1.0, 0.5, 0.5, 0.5};   // what the aligner ranks paths with

// resources/function/english.words
const std::unordered_set<std::string>& function_words() {
  static const std::unordered_set<std::string> w = {
      "the", ",", ".", "to", "of", "and", "a", "in", "that", "for", "\"", "is", "on", "'s", "it", "with", "was",
      "as", "said", "at", "he", "by", "be", "from", "have", "has", "are", "his", "but", "an", "this", "not", "i",
      "will", "\u2019", "they", ")", "-rrb-", "(", "-lrb-", "who", "their", "had", "we", "which", "were", "been",
      "more", "or", "s", "its", "would", "about", "new", "one", "after", "you", ":", "also", "up", "when", "there",
      "than", "$", "all", "out", "her", "people", "she", "year", "two", "-", "can", "if", "last", "first",
      "\u201c", "over", "other", "\u201d", "into", "some", "what", "so", "--", "no", "time", "years", "could",
      "?", "'t", "\u2014", "'"};
  return w;
}

// resources/nonbreaking/english.prefixes: 1 = always non-breaking, 2 = only before a number.
const std::unordered_map<std::string, int>& nonbreaking_prefixes() {
  static const std::unordered_map<std::string, int> m = [] {
    std::unordered_map<std::string, int> r;
    for (char c = 'A'; c <= 'Z'; ++c) r[std::string(1, c)] = 1;
    for (const char* p : {"Adj",  "Adm", "Adv",  "Asst", "Bart",   "Bldg", "Brig", "Bros", "Capt", "Cmdr", "Col",
                          "Comdr", "Con", "Corp", "Cpl",  "DR",     "Dr",   "Drs",  "Ens",  "Gen",  "Gov",  "Hon",
                          "Hr",   "Hosp", "Insp", "Lt",   "MM",     "MR",   "MRS",  "MS",   "Maj",  "Messrs",
                          "Mlle", "Mme",  "Mr",   "Mrs",  "Ms",     "Msgr", "Op",   "Ord",  "Pfc",  "Ph",   "Prof",
                          "Pvt",  "Rep",  "Reps", "Res",  "Rev",    "Rt",   "Sen",  "Sens", "Sfc",  "Sgt",  "Sr",
                          "St",   "Supt", "Surg", "v",    "vs",     "i.e",  "rev",  "e.g",  "Nos",  "Nr"}) {
      r[p] = 1;
    }
    for (const char* p : {"No", "Art", "pp"}) r[p] = 2;
    return r;
  }();
  return m;
}

// java.util.StringTokenizer's default delimiters.
std::vector<std::string> tokenize(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  auto delim = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (i < s.size()) {
    while (i < s.size() && delim(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !delim(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Java's String.trim(): every character <= U+0020 off both ends.
std::string java_trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && static_cast<unsigned char>(s[a]) <= 0x20) ++a;
  while (b > a && static_cast<unsigned char>(s[b - 1]) <= 0x20) --b;
  return s.substr(a, b - a);
}

std::string java_double(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e7) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}

// The Normalizer's patterns (RE2 syntax; Java's \s, \p{Digit}, \p{Lower} are ASCII classes).
#define ALPHA "A-Za-zŠŽšžŸÀ-ÖØ-öø-žЀ-ӿԀ-ԧꙀ-ꙮ꙾-ꚗᴀ-ᵿ"
#define ALNUM "0-9" ALPHA
struct NormPatterns {
  RE2 sep_other{"([^" ALNUM " \\t\\n\\x0B\\f\\r.'`,\\-‘’])"};
  RE2 multi_dot{"\\.([.]+)"};
  RE2 multi_dot2{"DOTMULTI\\.([^.])"};
  RE2 comma{"([^0-9])[,]([^0-9])"};
  RE2 comma2{"([0-9])[,]([^0-9])"};
  RE2 comma3{"([^0-9])[,]([0-9])"};
  RE2 quote_norm{"([`‘’])"};
  RE2 quote_norm2{"([“”]|'')"};
  RE2 rm_dash{"([" ALNUM ".])[\\-]([" ALNUM "])"};
  RE2 cont_en{"([^" ALPHA "])[']([^" ALPHA "])"};
  RE2 cont_en2{"([^" ALPHA "0-9])[']([" ALPHA "])"};
  RE2 cont_en3{"([" ALPHA "])[']([^" ALPHA "])"};
  RE2 cont_en4{"([" ALPHA "])[']([" ALPHA "])"};
  RE2 cont_en5{"([0-9])[']([s])"};
  RE2 nbp1{"[" ALPHA "]"};
  RE2 white{"[ \u2000-\u200A\u202F\u205F\u3000\u00A0]+"};
};
#undef ALNUM
#undef ALPHA

const NormPatterns& patterns() {
  static const NormPatterns p;
  return p;
}

// One candidate match (METEOR's Match): words [start, start+length) of the reference (line 2) and
// [match_start, match_start+match_length) of the candidate (line 1).
struct Match {
  int start, length, match_start, match_length, module;
};

// A search path (METEOR's PartialAlignment).
struct Path {
  std::vector<int> matches;  // per reference index: index into the stage's match pool, -1 for none
  std::vector<char> used1, used2;
  int matches1 = 0, matches2 = 0, all1 = 0, all2 = 0, chunks = 0, idx = 0, last_match_end = -1, distance = 0;
};

// Constants.PARTIAL_COMPARE_TOTAL as a strict weak order (more matches, fewer chunks, less distance first).
bool better(const Path& x, const Path& y) {
  int diff = (y.matches1 + y.matches2) - (x.matches1 + x.matches2);
  if (diff != 0) return diff < 0;
  if (x.chunks != y.chunks) return x.chunks < y.chunks;
  return x.distance < y.distance;
}

}  // namespace

int java_hash(const std::string& s) {
  uint32_t h = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = 0;
    uint32_t cp = utf8_decode(s, i, &n);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = 31 * h + (0xD800 + (cp >> 10));
      h = 31 * h + (0xDC00 + (cp & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return static_cast<int>(h);
}

std::string MeteorStats::to_string() const {
  std::string s = java_double(test_length) + " " + java_double(reference_length) + " " +
                  java_double(test_function_words) + " " + java_double(reference_function_words);
  for (int i = 0; i < 4; ++i) {
    s += " " + java_double(test_content[i]) + " " + java_double(reference_content[i]) + " " +
         java_double(test_function[i]) + " " + java_double(reference_function[i]);
  }
  s += " " + java_double(chunks) + " " + java_double(test_word_matches) + " " + java_double(reference_word_matches);
  return s;
}

// ---- the paraphrase table ------------------------------------------------------------------------------------

struct ParaphraseTable::Impl {
  std::unordered_map<std::string, int> vocab;
  // The transducer: state -> (word -> state) as one map keyed by (state << 32 | word), and each state's entries.
  std::unordered_map<uint64_t, int> next;
  std::vector<std::vector<int>> emit{{}};
  std::vector<std::vector<int>> paraphrases;

  int map(const std::string& w) {
    auto [it, fresh] = vocab.emplace(w, static_cast<int>(vocab.size()));
    return it->second;
  }
  void add(const std::vector<std::string>& phrase, const std::vector<std::string>& para) {
    std::vector<int> ref_ids, par_ids;
    for (const auto& w : phrase) ref_ids.push_back(map(w));  // METEOR maps the phrase's words first
    for (const auto& w : para) par_ids.push_back(map(w));
    int state = 0;
    for (int w : ref_ids) {
      uint64_t key = (static_cast<uint64_t>(state) << 32) | static_cast<uint32_t>(w);
      auto it = next.find(key);
      if (it == next.end()) {
        it = next.emplace(key, static_cast<int>(emit.size())).first;
        emit.emplace_back();
      }
      state = it->second;
    }
    emit[state].push_back(static_cast<int>(paraphrases.size()));
    paraphrases.push_back(std::move(par_ids));
  }
};

ParaphraseTable::ParaphraseTable() : impl_(std::make_unique<Impl>()) {}
ParaphraseTable::~ParaphraseTable() = default;

std::unique_ptr<ParaphraseTable> ParaphraseTable::load(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
  if (!f) throw Error(path, std::string("cannot open the paraphrase table: ") + std::strerror(errno));
  auto table = std::make_unique<ParaphraseTable>();
  std::vector<std::string> lines;
  std::string line;
  char buf[1 << 16];
  auto read_line = [&](std::string& out) {
    out.clear();
    for (;;) {
      if (!gzgets(f, buf, sizeof buf)) return !out.empty();
      out += buf;
      if (!out.empty() && out.back() == '\n') {
        out.pop_back();
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return true;
      }
    }
  };
  std::string prob, phrase, para;
  size_t entries = 0;
  while (read_line(prob)) {
    if (!read_line(phrase) || !read_line(para)) {
      gzclose(f);
      throw Error(path, "paraphrase table ends inside entry " + std::to_string(entries + 1) +
                            " (expected a probability, a phrase and a paraphrase line)");
    }
    table->impl_->add(tokenize(phrase), tokenize(para));
    ++entries;
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    std::string m = msg ? msg : "read error";
    gzclose(f);
    throw Error(path, "cannot read the paraphrase table: " + m);
  }
  gzclose(f);
  return table;
}

void ParaphraseTable::add(const std::string& phrase, const std::string& paraphrase) {
  impl_->add(tokenize(phrase), tokenize(paraphrase));
}

size_t ParaphraseTable::size() const { return impl_->paraphrases.size(); }

int ParaphraseTable::word(const std::string& w) const {
  auto it = impl_->vocab.find(w);
  return it == impl_->vocab.end() ? -1 : it->second;
}

std::vector<std::pair<int, int>> ParaphraseTable::paths(const std::vector<int>& words, size_t start) const {
  std::vector<std::pair<int, int>> out;
  int state = 0;
  for (size_t i = 0; start + i < words.size(); ++i) {
    if (words[start + i] < 0) break;
    uint64_t key = (static_cast<uint64_t>(state) << 32) | static_cast<uint32_t>(words[start + i]);
    auto it = impl_->next.find(key);
    if (it == impl_->next.end()) break;
    state = it->second;
    for (int e : impl_->emit[state]) out.emplace_back(static_cast<int>(i + 1), e);
  }
  return out;
}

const std::vector<int>& ParaphraseTable::paraphrase(int entry) const { return impl_->paraphrases[entry]; }

// ---- the scorer ------------------------------------------------------------------------------------------------

struct Meteor::Impl {
  MeteorConfig config;
  WordNet wordnet;
  mutable std::mutex stem_mu;
  sb_stemmer* stemmer = nullptr;
  mutable std::unordered_map<std::string, int> stem_cache;  // word -> hash of its stem

  explicit Impl(const MeteorConfig& c) : config(c), wordnet(c.wordnet_dir) {
    stemmer = sb_stemmer_new("english", "UTF_8");
    if (!stemmer) throw Error("libstemmer", "no English Snowball stemmer");
  }
  ~Impl() { sb_stemmer_delete(stemmer); }

  int stem_hash(const std::string& w) const {
    std::lock_guard<std::mutex> lock(stem_mu);
    auto it = stem_cache.find(w);
    if (it != stem_cache.end()) return it->second;
    const sb_symbol* s = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(w.data()),
                                         static_cast<int>(w.size()));
    std::string stem = s ? std::string(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer)) : w;
    int h = java_hash(stem);
    stem_cache.emplace(w, h);
    return h;
  }

  std::vector<int> synonym_sets(const std::string& w) const {
    std::vector<int> a = wordnet.synsets(w), b = wordnet.stem_synsets(w);
    a.insert(a.end(), b.begin(), b.end());
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    return a;
  }

  MeteorStats align(const std::vector<std::string>& words1, const std::vector<std::string>& words2) const;
  void resolve(const std::vector<Match>& pool, const std::vector<std::vector<int>>& at, Path start,
               Path& best) const;
};

Meteor::Meteor(const MeteorConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Meteor::~Meteor() = default;

bool Meteor::has_paraphrases() const {
  return impl_->config.paraphrases != nullptr && impl_->config.paraphrases->size() > 0;
}
const WordNet& Meteor::wordnet() const { return impl_->wordnet; }

std::string Meteor::normalize(const std::string& line) {
  const NormPatterns& p = patterns();
  std::string w = " " + line + " ";
  RE2::GlobalReplace(&w, p.sep_other, " \\1 ");
  RE2::GlobalReplace(&w, p.multi_dot, " DOTMULTI\\1");
  while (w.find("DOTMULTI.") != std::string::npos) {
    RE2::GlobalReplace(&w, p.multi_dot2, "DOTDOTMULTI \\1");
    w = replace_all(w, "DOTMULTI.", "DOTDOTMULTI");
  }
  RE2::GlobalReplace(&w, p.comma, "\\1 , \\2");
  RE2::GlobalReplace(&w, p.comma2, "\\1 , \\2");
  RE2::GlobalReplace(&w, p.comma3, "\\1 , \\2");
  RE2::GlobalReplace(&w, p.quote_norm, "'");
  RE2::GlobalReplace(&w, p.quote_norm2, " \" ");
  w = replace_all(w, "\u2013", "-");
  w = replace_all(w, "--", "-");
  RE2::GlobalReplace(&w, p.rm_dash, "\\1 \\2");
  RE2::GlobalReplace(&w, p.cont_en, "\\1 ' \\2");
  RE2::GlobalReplace(&w, p.cont_en2, "\\1 ' \\2");
  RE2::GlobalReplace(&w, p.cont_en3, "\\1 ' \\2");
  RE2::GlobalReplace(&w, p.cont_en4, "\\1 '\\2");
  RE2::GlobalReplace(&w, p.cont_en5, "\\1 '\\2");

  // Rebuild the line, breaking a word's final dot off unless the word is a non-breaking prefix.
  std::vector<std::string> words = tokenize(w);
  std::string sb;
  const auto& nbp = nonbreaking_prefixes();
  auto utf16_len = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) {
      if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
    }
    return n;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (utf16_len(word) > 1 && word.back() == '.') {
      std::string pre = word.substr(0, word.size() - 1);
      auto t = nbp.find(pre);
      int type = t == nbp.end() ? 0 : t->second;
      bool next_lower = i + 1 < words.size() && words[i + 1][0] >= 'a' && words[i + 1][0] <= 'z';
      bool next_digit = i + 1 < words.size() && words[i + 1][0] >= '0' && words[i + 1][0] <= '9';
      if (pre.find('.') != std::string::npos && RE2::PartialMatch(pre, p.nbp1)) {
        sb += replace_all(word, ".", "");  // U.S. -> US
      } else if (type == 1 || next_lower) {
        sb += word;
      } else if (type == 2 && next_digit) {
        sb += word;
      } else {
        sb += pre;
        sb += " .";
      }
    } else {
      sb += word;
    }
    sb += ' ';
  }
  w = sb;
  while (w.find("DOTDOTMULTI") != std::string::npos) w = replace_all(w, "DOTDOTMULTI", "DOTMULTI.");
  w = replace_all(w, "DOTMULTI", ".");
  RE2::GlobalReplace(&w, p.white, " ");
  return java_lowercase(java_trim(w));
}

MeteorStats Meteor::align(const std::string& candidate, const std::string& reference) const {
  return impl_->align(tokenize(candidate), tokenize(reference));
}

MeteorStats Meteor::stats(const std::string& candidate, const std::vector<std::string>& references) const {
  std::vector<std::string> test = tokenize(normalize(candidate));
  MeteorStats best;
  double best_score = -1;
  for (const std::string& ref : references) {
    MeteorStats s = impl_->align(test, tokenize(normalize(ref)));
    double sc = score(s);
    if (sc > best_score) {
      best = s;
      best_score = sc;
    }
  }
  return best;
}

MeteorStats Meteor::Impl::align(const std::vector<std::string>& words1, const std::vector<std::string>& words2) const {
  const size_t n1 = words1.size(), n2 = words2.size();
  std::vector<int> keys1(n1), keys2(n2);
  for (size_t i = 0; i < n1; ++i) keys1[i] = java_hash(words1[i]);
  for (size_t j = 0; j < n2; ++j) keys2[j] = java_hash(words2[j]);

  // The stage: every candidate match, listed per reference start index in the order the modules find them.
  std::vector<Match> pool;
  std::vector<std::vector<int>> at(n2);
  std::vector<int> cover1(n1, 0), cover2(n2, 0);
  auto add = [&](int j, int len, int i, int mlen, int module) {
    at[j].push_back(static_cast<int>(pool.size()));
    pool.push_back(Match{j, len, i, mlen, module});
    for (int k = 0; k < mlen; ++k) ++cover1[i + k];
    for (int k = 0; k < len; ++k) ++cover2[j + k];
  };
  // Identical sentences need only the exact module (METEOR avoids beam search errors that way).
  int modules = (n1 == n2 && keys1 == keys2) ? 1 : 4;
  // exact
  for (size_t j = 0; j < n2; ++j)
    for (size_t i = 0; i < n1; ++i)
      if (keys1[i] == keys2[j]) add(static_cast<int>(j), 1, static_cast<int>(i), 1, 0);
  if (modules > 1) {
    // stem: different words, same stem
    std::vector<int> stems1(n1), stems2(n2);
    for (size_t i = 0; i < n1; ++i) stems1[i] = stem_hash(words1[i]);
    for (size_t j = 0; j < n2; ++j) stems2[j] = stem_hash(words2[j]);
    for (size_t j = 0; j < n2; ++j)
      for (size_t i = 0; i < n1; ++i)
        if (stems1[i] == stems2[j] && keys1[i] != keys2[j]) add(static_cast<int>(j), 1, static_cast<int>(i), 1, 1);
    // synonym: different words sharing a WordNet synset (of the word or of its base form)
    std::vector<std::vector<int>> syn1(n1), syn2(n2);
    for (size_t i = 0; i < n1; ++i) syn1[i] = synonym_sets(words1[i]);
    for (size_t j = 0; j < n2; ++j) syn2[j] = synonym_sets(words2[j]);
    for (size_t j = 0; j < n2; ++j) {
      for (size_t i = 0; i < n1; ++i) {
        const auto &a = syn1[i], &b = syn2[j];
        bool shared = false;
        for (size_t x = 0, y = 0; x < a.size() && y < b.size();) {
          if (a[x] == b[y]) {
            shared = true;
            break;
          }
          if (a[x] < b[y]) ++x;
          else ++y;
        }
        if (shared && keys1[i] != keys2[j]) add(static_cast<int>(j), 1, static_cast<int>(i), 1, 2);
      }
    }
    // paraphrase: phrases of the table found on one side with their paraphrase on the other
    if (const ParaphraseTable* pt = config.paraphrases) {
      std::vector<int> ids1(n1), ids2(n2);
      for (size_t i = 0; i < n1; ++i) ids1[i] = pt->word(words1[i]);
      for (size_t j = 0; j < n2; ++j) ids2[j] = pt->word(words2[j]);
      auto found_at = [](const std::vector<int>& line, size_t pos, const std::vector<int>& words) {
        for (size_t k = 0; k < words.size(); ++k) {
          if (pos + k == line.size() || line[pos + k] != words[k]) return false;
        }
        return true;
      };
      for (size_t j = 0; j < n2; ++j) {
        for (auto [len, entry] : pt->paths(ids2, j)) {
          const std::vector<int>& words = pt->paraphrase(entry);
          for (size_t i = 0; i < n1; ++i) {
            if (found_at(ids1, i, words))
              add(static_cast<int>(j), len, static_cast<int>(i), static_cast<int>(words.size()), 3);
          }
        }
      }
      for (size_t i = 0; i < n1; ++i) {
        for (auto [len, entry] : pt->paths(ids1, i)) {
          const std::vector<int>& words = pt->paraphrase(entry);
          for (size_t j = 0; j < n2; ++j) {
            if (found_at(ids2, j, words))
              add(static_cast<int>(j), static_cast<int>(words.size()), static_cast<int>(i), len, 3);
          }
        }
      }
    }
  }

  // One-to-one, non-overlapping matches are definite.
  Path start;
  start.matches.assign(n2, -1);
  start.used1.assign(n1, 0);
  start.used2.assign(n2, 0);
  for (size_t j = 0; j < n2; ++j) {
    if (at[j].size() != 1) continue;
    const Match& m = pool[at[j][0]];
    bool overlap = false;
    for (int k = 0; k < m.length; ++k) overlap |= cover2[j + k] != 1;
    for (int k = 0; k < m.match_length; ++k) overlap |= cover1[m.match_start + k] != 1;
    if (overlap) continue;
    start.matches[j] = at[j][0];
    for (int k = 0; k < m.length; ++k) start.used2[j + k] = 1;
    for (int k = 0; k < m.match_length; ++k) start.used1[m.match_start + k] = 1;
  }
  Path best;
  resolve(pool, at, std::move(start), best);

  // Totals by module and word kind.
  MeteorStats s;
  const auto& fw = function_words();
  std::vector<char> func1(n1), func2(n2);
  for (size_t i = 0; i < n1; ++i) func1[i] = fw.count(java_lowercase(words1[i])) > 0;
  for (size_t j = 0; j < n2; ++j) func2[j] = fw.count(java_lowercase(words2[j])) > 0;
  std::array<int, 4> c1{}, c2{}, f1{}, f2{};
  for (size_t j = 0; j < n2; ++j) {
    if (best.matches[j] < 0) continue;
    const Match& m = pool[best.matches[j]];
    for (int k = 0; k < m.match_length; ++k) (func1[m.match_start + k] ? f1 : c1)[m.module]++;
    for (int k = 0; k < m.length; ++k) (func2[m.start + k] ? f2 : c2)[m.module]++;
  }
  // Chunks of the final alignment (getCountAndChunks).
  int matches1 = 0, matches2 = 0, chunks = 0, last_end = -1;
  for (size_t idx = 0; idx < n2;) {
    if (best.matches[idx] < 0) {
      if (last_end != -1) {
        ++chunks;
        last_end = -1;
      }
      ++idx;
      continue;
    }
    const Match& m = pool[best.matches[idx]];
    matches1 += m.match_length;
    matches2 += m.length;
    if (last_end != -1 && m.match_start != last_end) ++chunks;
    idx = static_cast<size_t>(m.start + m.length);
    last_end = m.match_start + m.match_length;
  }
  if (last_end != -1) ++chunks;

  s.test_length = static_cast<double>(n1);
  s.reference_length = static_cast<double>(n2);
  s.test_function_words = static_cast<double>(std::count(func1.begin(), func1.end(), 1));
  s.reference_function_words = static_cast<double>(std::count(func2.begin(), func2.end(), 1));
  for (int i = 0; i < 4; ++i) {
    s.test_content[i] = c1[i];
    s.reference_content[i] = c2[i];
    s.test_function[i] = f1[i];
    s.reference_function[i] = f2[i];
    s.test_total_matches += s.test_content[i] + s.test_function[i];
    s.reference_total_matches += s.reference_content[i] + s.reference_function[i];
  }
  s.chunks = chunks;
  s.test_word_matches = matches1;
  s.reference_word_matches = matches2;
  return s;
}

// Aligner.resolve: METEOR's beam search over the reference positions, quirks kept.
void Meteor::Impl::resolve(const std::vector<Match>& pool, const std::vector<std::vector<int>>& at, Path start,
                           Path& best) const {
  const size_t n = at.size();
  const size_t beam = static_cast<size_t>(std::max(1, config.beam_size));
  auto is_used = [&](const Path& p, const Match& m) {
    for (int k = 0; k < m.length; ++k)
      if (p.used2[m.start + k]) return true;
    for (int k = 0; k < m.match_length; ++k)
      if (p.used1[m.match_start + k]) return true;
    return false;
  };
  // Java's "int += double": the weighted sum truncated toward zero.
  auto add_weighted = [](int& total, int len, double w) { total = static_cast<int>(total + len * w); };

  std::vector<Path> paths, next;
  next.push_back(std::move(start));
  for (size_t current = 0; current <= n; ++current) {
    paths.swap(next);
    next.clear();
    std::stable_sort(paths.begin(), paths.end(), better);
    for (size_t rank = 0; rank < beam && rank < paths.size(); ++rank) {
      Path& path = paths[rank];
      if (current == n) {  // complete: close the last chunk
        if (path.last_match_end != -1) path.chunks++;
        next.push_back(std::move(path));
        continue;
      }
      if (path.used2[current]) {
        if (static_cast<int>(current) < path.idx) {
          next.push_back(std::move(path));  // still inside a match
        } else if (path.matches[path.idx] >= 0) {  // a fixed match starts here
          const Match& m = pool[path.matches[path.idx]];
          add_weighted(path.matches1, m.match_length, kAlignWeights[m.module]);
          add_weighted(path.matches2, m.length, kAlignWeights[m.module]);
          path.all1 += m.match_length;
          path.all2 += m.length;
          if (path.last_match_end != -1 && m.match_start != path.last_match_end) path.chunks++;
          path.idx = m.start + m.length;
          path.last_match_end = m.match_start + m.match_length;
          path.distance += std::abs(m.start - m.match_start);
          next.push_back(std::move(path));
        }
        continue;
      }
      for (int id : at[current]) {
        const Match& m = pool[id];
        if (is_used(path, m)) continue;
        Path np = path;
        for (int k = 0; k < m.length; ++k) np.used2[m.start + k] = 1;
        for (int k = 0; k < m.match_length; ++k) np.used1[m.match_start + k] = 1;
        np.matches[current] = id;
        add_weighted(np.matches1, m.match_length, kAlignWeights[m.module]);
        add_weighted(np.matches2, m.length, kAlignWeights[m.module]);
        np.all1 += m.match_length;
        np.all2 += m.length;
        if (np.last_match_end != -1 && m.match_start != np.last_match_end) np.chunks++;
        np.idx = m.start + m.length;
        np.last_match_end = m.match_start + m.match_length;
        path.distance += std::abs(m.start - m.match_start);  // sic: METEOR adds it to the path it extends
        next.push_back(std::move(np));
      }
      // Or skip this index.
      if (path.last_match_end != -1) {
        path.chunks++;
        path.last_match_end = -1;
      }
      path.idx++;
      next.push_back(std::move(path));
    }
    if (next.empty()) next.push_back(paths[0]);  // METEOR: "unexpected conditions"
  }
  std::stable_sort(next.begin(), next.end(), better);
  best = std::move(next[0]);
}

double Meteor::score(const MeteorStats& s) {
  double test_weighted_length = (kDelta * (s.test_length - s.test_function_words)) + ((1.0 - kDelta) * s.test_function_words);
  double ref_weighted_length =
      (kDelta * (s.reference_length - s.reference_function_words)) + ((1.0 - kDelta) * s.reference_function_words);
  double test_matches = 0, ref_matches = 0;
  for (int i = 0; i < 4; ++i) test_matches += s.test_content[i] * kModuleWeights[i] * kDelta;
  for (int i = 0; i < 4; ++i) ref_matches += s.reference_content[i] * kModuleWeights[i] * kDelta;
  for (int i = 0; i < 4; ++i) test_matches += s.test_function[i] * kModuleWeights[i] * (1.0 - kDelta);
  for (int i = 0; i < 4; ++i) ref_matches += s.reference_function[i] * kModuleWeights[i] * (1.0 - kDelta);
  double precision = test_matches / test_weighted_length;
  double recall = ref_matches / ref_weighted_length;
  double fmean = 1.0 / (((1.0 - kAlpha) / precision) + (kAlpha / recall));
  double frag;
  if (s.test_total_matches == s.test_length && s.reference_total_matches == s.reference_length && s.chunks == 1) {
    frag = 0;
  } else {
    frag = s.chunks / ((s.test_word_matches + s.reference_word_matches) / 2);
  }
  double penalty = kGamma * std::pow(frag, kBeta);
  double score = fmean * (1.0 - penalty);
  if (std::isnan(score)) return 0;
  return std::max(score, 0.0);
}

void Meteor::add(MeteorStats& t, const MeteorStats& s) {
  t.test_length += s.test_length;
  t.reference_length += s.reference_length;
  t.test_function_words += s.test_function_words;
  t.reference_function_words += s.reference_function_words;
  t.test_total_matches += s.test_total_matches;
  t.reference_total_matches += s.reference_total_matches;
  for (int i = 0; i < 4; ++i) {
    t.test_content[i] += s.test_content[i];
    t.reference_content[i] += s.reference_content[i];
    t.test_function[i] += s.test_function[i];
    t.reference_function[i] += s.reference_function[i];
  }
  if (!(s.test_total_matches == s.test_length && s.reference_total_matches == s.reference_length && s.chunks == 1.0)) {
    t.chunks += s.chunks;
  }
  t.test_word_matches += s.test_word_matches;
  t.reference_word_matches += s.reference_word_matches;
}

}  // namespace grove::eval
