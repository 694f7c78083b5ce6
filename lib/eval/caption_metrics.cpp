#include "eval/caption_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "core/utf8.h"

namespace grove::eval {

namespace {

// Python's str.isspace() for the characters str.split() splits on.
bool python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// The n-grams (n = 1..4) of a word list and their counts, in the order Python's precook() first inserts them
// (by n, then by position): CIDEr-D's sums run in that order.
struct NgramCounts {
  std::vector<std::string> grams;  // "w1 w2" joined with '\x1f', which no token holds
  std::vector<int> order;          // n of each gram
  std::vector<double> counts;
  std::unordered_map<std::string, size_t> index;
  size_t words = 0;

  void add(const std::string& g, int n) {
    auto [it, fresh] = index.emplace(g, grams.size());
    if (fresh) {
      grams.push_back(g);
      order.push_back(n);
      counts.push_back(0);
    }
    counts[it->second] += 1;
  }
  double count(const std::string& g) const {
    auto it = index.find(g);
    return it == index.end() ? 0.0 : counts[it->second];
  }
};

NgramCounts precook(const std::vector<std::string>& words, int max_n = 4) {
  NgramCounts c;
  c.words = words.size();
  for (int k = 1; k <= max_n; ++k) {
    for (size_t i = 0; i + k <= words.size(); ++i) {
      std::string g = words[i];
      for (int j = 1; j < k; ++j) {
        g += '\x1f';
        g += words[i + j];
      }
      c.add(g, k);
    }
  }
  return c;
}

// One item's BLEU statistics (cook_test with eff="closest").
struct BleuStats {
  double testlen = 0, reflen = 0;
  std::array<double, 4> guess{}, correct{};
};

BleuStats cook(const CaptionItem& item) {
  NgramCounts test = precook(python_split(item.candidate));
  std::unordered_map<std::string, double> maxcounts;
  std::vector<size_t> reflens;
  for (const std::string& ref : item.references) {
    NgramCounts r = precook(python_split(ref));
    reflens.push_back(r.words);
    for (size_t i = 0; i < r.grams.size(); ++i) {
      double& m = maxcounts[r.grams[i]];
      m = std::max(m, r.counts[i]);
    }
  }
  BleuStats s;
  s.testlen = static_cast<double>(test.words);
  // min((abs(l - testlen), l) for l in reflen)[1]: the closest length, the shorter one on ties.
  long best_diff = -1, best_len = 0;
  for (size_t l : reflens) {
    long diff = std::labs(static_cast<long>(l) - static_cast<long>(test.words));
    if (best_diff < 0 || diff < best_diff || (diff == best_diff && static_cast<long>(l) < best_len)) {
      best_diff = diff;
      best_len = static_cast<long>(l);
    }
  }
  s.reflen = static_cast<double>(best_len);
  for (int k = 1; k <= 4; ++k) s.guess[k - 1] = std::max<double>(0, static_cast<double>(test.words) - k + 1);
  for (size_t i = 0; i < test.grams.size(); ++i) {
    auto it = maxcounts.find(test.grams[i]);
    double ref = it == maxcounts.end() ? 0.0 : it->second;
    s.correct[test.order[i] - 1] += std::min(ref, test.counts[i]);
  }
  return s;
}

std::array<double, 4> bleu_of(const BleuStats& s) {
  const double small = 1e-9, tiny = 1e-15;
  std::array<double, 4> out{};
  double b = 1.0;
  for (int k = 0; k < 4; ++k) {
    b *= (s.correct[k] + tiny) / (s.guess[k] + small);
    out[k] = std::pow(b, 1.0 / (k + 1));
  }
  double ratio = (s.testlen + tiny) / (s.reflen + small);
  if (ratio < 1) {
    for (double& v : out) v *= std::exp(1 - 1 / ratio);
  }
  return out;
}

std::vector<std::string> split_space(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(' ', start);
    if (end == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// rouge.py's my_lcs: the length of the longest common subsequence.
size_t lcs(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::vector<std::string>& s = a.size() < b.size() ? b : a;    // the longer one
  const std::vector<std::string>& sub = a.size() < b.size() ? a : b;  // the shorter one
  std::vector<size_t> prev(sub.size() + 1, 0), cur(sub.size() + 1, 0);
  for (size_t i = 1; i <= s.size(); ++i) {
    for (size_t j = 1; j <= sub.size(); ++j) {
      cur[j] = s[i - 1] == sub[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[sub.size()];
}

double pairwise_sum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

}  // namespace

std::vector<std::string> python_split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0, start = std::string::npos;
  while (i < s.size()) {
    size_t len = 1;
    char32_t c = static_cast<unsigned char>(s[i]) < 0x80 ? static_cast<unsigned char>(s[i]) : utf8_decode(s, i, &len);
    if (python_space(c)) {
      if (start != std::string::npos) out.push_back(s.substr(start, i - start));
      start = std::string::npos;
    } else if (start == std::string::npos) {
      start = i;
    }
    i += len;
  }
  if (start != std::string::npos) out.push_back(s.substr(start));
  return out;
}

double mean(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  return pairwise_sum(v.data(), v.size()) / static_cast<double>(v.size());
}

double numpy_sum(const std::vector<double>& v) { return v.empty() ? 0.0 : pairwise_sum(v.data(), v.size()); }

BleuResult bleu(const std::vector<CaptionItem>& items) {
  BleuResult r;
  BleuStats total;
  for (const CaptionItem& item : items) {
    if (item.references.empty()) throw std::invalid_argument("BLEU: an item without references");
    BleuStats s = cook(item);
    r.per_item.push_back(bleu_of(s));
    total.testlen += s.testlen;
    total.reflen += s.reflen;
    for (int k = 0; k < 4; ++k) {
      total.guess[k] += s.guess[k];
      total.correct[k] += s.correct[k];
    }
  }
  r.corpus = bleu_of(total);
  return r;
}

std::vector<double> rouge_l(const std::vector<CaptionItem>& items) {
  const double beta = 1.2;
  std::vector<double> out;
  out.reserve(items.size());
  for (const CaptionItem& item : items) {
    if (item.references.empty()) throw std::invalid_argument("ROUGE-L: an item without references");
    std::vector<std::string> c = split_space(item.candidate);
    double prec_max = -1, rec_max = -1;
    for (const std::string& ref : item.references) {
      std::vector<std::string> r = split_space(ref);
      double l = static_cast<double>(lcs(r, c));
      prec_max = std::max(prec_max, l / static_cast<double>(c.size()));
      rec_max = std::max(rec_max, l / static_cast<double>(r.size()));
    }
    double score = 0.0;
    if (prec_max != 0 && rec_max != 0) {
      score = ((1 + beta * beta) * prec_max * rec_max) / (rec_max + beta * beta * prec_max);
    }
    out.push_back(score);
  }
  return out;
}

std::vector<double> cider_d(const std::vector<CaptionItem>& items) {
  const double sigma = 6.0;
  std::vector<NgramCounts> tests;
  std::vector<std::vector<NgramCounts>> refs;
  std::unordered_map<std::string, double> df;
  for (const CaptionItem& item : items) {
    if (item.references.empty()) throw std::invalid_argument("CIDEr-D: an item without references");
    tests.push_back(precook(python_split(item.candidate)));
    refs.emplace_back();
    std::unordered_map<std::string, bool> seen;
    for (const std::string& ref : item.references) {
      refs.back().push_back(precook(python_split(ref)));
      for (const std::string& g : refs.back().back().grams) {
        if (seen.emplace(g, true).second) df[g] += 1;
      }
    }
  }
  const double ref_len = std::log(static_cast<double>(items.size()));

  struct Vec {
    const NgramCounts* counts;
    std::vector<double> weight;  // tf-idf of each gram, parallel to counts->grams
    std::array<double, 4> norm{};
    double length = 0;  // counts bigrams (the toolkit's `if n == 1`)
  };
  auto to_vec = [&](const NgramCounts& c) {
    Vec v;
    v.counts = &c;
    v.weight.resize(c.grams.size());
    for (size_t i = 0; i < c.grams.size(); ++i) {
      auto it = df.find(c.grams[i]);
      double d = std::log(std::max(1.0, it == df.end() ? 0.0 : it->second));
      int n = c.order[i] - 1;
      v.weight[i] = c.counts[i] * (ref_len - d);
      v.norm[n] += std::pow(v.weight[i], 2);
      if (n == 1) v.length += c.counts[i];
    }
    for (double& x : v.norm) x = std::sqrt(x);
    return v;
  };
  auto weight_of = [](const Vec& v, const std::string& g) {
    auto it = v.counts->index.find(g);
    return it == v.counts->index.end() ? 0.0 : v.weight[it->second];
  };

  std::vector<double> out;
  out.reserve(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    Vec hyp = to_vec(tests[k]);
    std::array<double, 4> score{};
    for (const NgramCounts& rc : refs[k]) {
      Vec ref = to_vec(rc);
      double delta = hyp.length - ref.length;
      std::array<double, 4> val{};
      for (size_t i = 0; i < hyp.counts->grams.size(); ++i) {
        int n = hyp.counts->order[i] - 1;
        double r = weight_of(ref, hyp.counts->grams[i]);
        val[n] += std::min(hyp.weight[i], r) * r;
      }
      for (int n = 0; n < 4; ++n) {
        if (hyp.norm[n] != 0 && ref.norm[n] != 0) val[n] /= (hyp.norm[n] * ref.norm[n]);
        val[n] *= std::pow(M_E, -(delta * delta) / (2 * sigma * sigma));
        score[n] += val[n];
      }
    }
    double avg = pairwise_sum(score.data(), 4) / 4;
    avg /= static_cast<double>(refs[k].size());
    avg *= 10.0;
    out.push_back(avg);
  }
  return out;
}

}  // namespace grove::eval
