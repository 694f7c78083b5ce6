// BLEU-1..4, ROUGE-L and CIDEr-D as pycocoevalcap 1.2 computes them (bleu/bleu_scorer.py, rouge/rouge.py,
// cider/cider_scorer.py), on captions already tokenised by coco_tokenize() (ptb_tokenize.h). The arithmetic
// follows the Python step by step, in the same order, so the values agree to the last bits or nearly:
//   - BLEU: corpus level from the summed clipped n-gram counts, "closest" reference length (ties: the shorter),
//     brevity penalty exp(1 - r/c) when c < r, the toolkit's 1e-9 / 1e-15 smoothing constants; per-item BLEU is
//     the same formula on one item's counts;
//   - ROUGE-L: LCS precision and recall of the candidate against each reference, the maximum of each over the
//     references, F with beta = 1.2; words are split on single spaces (so an empty caption is one empty word);
//   - CIDEr-D: tf-idf vectors of 1..4-grams with document frequencies from the evaluated items' references,
//     idf = log(N) - log(max(1, df)), clipped numerator min(h, r) * r, a cosine per n, the Gaussian length
//     penalty with sigma = 6 on lengths that count bigrams (the toolkit's `if n == 1` quirk), mean over n,
//     divided by the number of references, times 10; corpus CIDEr-D is the mean over items.
// BLEU and CIDEr-D split words as Python's str.split() does (any Unicode white space); ROUGE-L as split(" ").
#pragma once
#include <array>
#include <string>
#include <vector>

namespace grove::eval {

// One item: a tokenised candidate and its tokenised references (at least one).
struct CaptionItem {
  std::string candidate;
  std::vector<std::string> references;
};

struct BleuResult {
  std::array<double, 4> corpus{};                 // Bleu_1 .. Bleu_4
  std::vector<std::array<double, 4>> per_item;  // the same formula on each item alone
};

BleuResult bleu(const std::vector<CaptionItem>& items);

// ROUGE-L F (beta 1.2) of each item; the corpus value is mean() of them.
std::vector<double> rouge_l(const std::vector<CaptionItem>& items);

// CIDEr-D of each item (document frequencies from these items' references); the corpus value is mean() of them.
std::vector<double> cider_d(const std::vector<CaptionItem>& items);

// numpy.mean: pairwise summation exactly as numpy does it for float64, then division by the count.
double mean(const std::vector<double>& v);
// numpy.sum of float64 values: the same pairwise summation (0 for none).
double numpy_sum(const std::vector<double>& v);

// Python's str.split() with no argument: words between runs of Unicode white space.
std::vector<std::string> python_split(const std::string& s);

}  // namespace grove::eval
