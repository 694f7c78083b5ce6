#include "eval/captions.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "core/strings.h"
#include "eval/caption_metrics.h"
#include "eval/ptb_tokenize.h"

namespace grove::eval {

namespace {

std::string java_trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && static_cast<unsigned char>(s[a]) <= 0x20) ++a;
  while (b > a && static_cast<unsigned char>(s[b - 1]) <= 0x20) --b;
  return s.substr(a, b - a);
}

}  // namespace

std::vector<std::string> caption_metric_names(bool with_meteor) {
  std::vector<std::string> n = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
  if (with_meteor) n.push_back("METEOR");
  n.push_back("ROUGE_L");
  n.push_back("CIDEr");
  return n;
}

CaptionScores score_captions(const std::vector<CaptionInput>& items, const Meteor* meteor, int threads) {
  CaptionScores out;
  out.names = caption_metric_names(meteor != nullptr);
  // The toolkit tokenises each side as one text: the references of every item in order, then the candidates.
  std::vector<std::string> cands, refs;
  for (const CaptionInput& it : items) {
    if (it.references.empty()) throw std::invalid_argument("item \"" + it.id + "\" has no reference caption");
    cands.push_back(it.candidate);
    refs.insert(refs.end(), it.references.begin(), it.references.end());
  }
  std::vector<std::string> ref_tok = coco_tokenize(refs);
  out.candidate_tokens = coco_tokenize(cands);
  std::vector<CaptionItem> tok(items.size());
  size_t k = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    tok[i].candidate = out.candidate_tokens[i];
    tok[i].references.assign(ref_tok.begin() + static_cast<long>(k),
                             ref_tok.begin() + static_cast<long>(k + items[i].references.size()));
    k += items[i].references.size();
    out.reference_tokens.push_back(tok[i].references);
  }
  out.per_item.resize(items.size());
  if (items.empty()) return out;

  BleuResult b = bleu(tok);
  for (int n = 0; n < 4; ++n) {
    std::string name = "Bleu_" + std::to_string(n + 1);
    out.corpus[name] = b.corpus[n];
    for (size_t i = 0; i < items.size(); ++i) out.per_item[i][name] = b.per_item[i][n];
  }
  if (meteor) {
    // meteor.py's SCORE line: the candidate loses '|||' and a double space; Meteor trims each part.
    std::vector<MeteorStats> stats(items.size());
    auto work = [&](size_t from, size_t step) {
      for (size_t i = from; i < items.size(); i += step) {
        std::string hyp = java_trim(replace_all(replace_all(tok[i].candidate, "|||", ""), "  ", " "));
        std::vector<std::string> r;
        for (const std::string& s : tok[i].references) r.push_back(java_trim(s));
        stats[i] = meteor->stats(hyp, r);
      }
    };
    size_t n = static_cast<size_t>(std::max(1, threads));
    n = std::min(n, items.size());
    std::vector<std::thread> pool;
    for (size_t t = 1; t < n; ++t) pool.emplace_back(work, t, n);
    work(0, n);
    for (auto& t : pool) t.join();
    MeteorStats total;
    for (size_t i = 0; i < items.size(); ++i) {
      out.per_item[i]["METEOR"] = Meteor::score(stats[i]);
      Meteor::add(total, stats[i]);
    }
    out.corpus["METEOR"] = Meteor::score(total);
  }
  std::vector<double> rouge = rouge_l(tok);
  std::vector<double> cider = cider_d(tok);
  out.corpus["ROUGE_L"] = mean(rouge);
  out.corpus["CIDEr"] = mean(cider);
  for (size_t i = 0; i < items.size(); ++i) {
    out.per_item[i]["ROUGE_L"] = rouge[i];
    out.per_item[i]["CIDEr"] = cider[i];
  }
  return out;
}

}  // namespace grove::eval
