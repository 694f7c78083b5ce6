// See anet.h. The loops follow precision_recall_util and grd_eval in order, so per-class lists fill in the same
// order and numpy's sums see the same sequences.
#include "eval/anet.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "eval/caption_metrics.h"

namespace grove::eval {

float anet_overlap(const std::vector<std::optional<Box>>& pred, const std::vector<const AnetEntity*>& gt) {
  float best = -std::numeric_limits<float>::infinity();
  bool any = false, nan = false;
  for (size_t f = 0; f < pred.size(); ++f) {
    if (!pred[f]) continue;
    const float a[4] = {static_cast<float>((*pred[f])[0]), static_cast<float>((*pred[f])[1]),
                        static_cast<float>((*pred[f])[2]), static_cast<float>((*pred[f])[3])};
    const float ax = a[2] - a[0] + 1, ay = a[3] - a[1] + 1;
    const float a_area = ax * ay;
    const bool a_zero = ax == 1 && ay == 1;
    for (const AnetEntity* e : gt) {
      const float g[4] = {static_cast<float>(e->box[0]), static_cast<float>(e->box[1]), static_cast<float>(e->box[2]),
                          static_cast<float>(e->box[3])};
      const float gx = g[2] - g[0] + 1, gy = g[3] - g[1] + 1;
      const float g_area = gx * gy;
      float iw = std::min(a[2], g[2]) - std::max(a[0], g[0]) + 1;
      if (iw < 0) iw = 0;
      float ih = std::min(a[3], g[3]) - std::max(a[1], g[1]) + 1;
      if (ih < 0) ih = 0;
      const float inter = iw * ih;
      const float ua = a_area + g_area - inter;
      float ov = inter / ua;
      ov *= (static_cast<float>(f) == static_cast<float>(e->frame)) ? 1.0f : 0.0f;
      if (gx == 1 && gy == 1) ov = 0;
      if (a_zero) ov = -1;
      if (std::isnan(ov)) nan = true;  // torch.max propagates NaN
      else if (!any || ov > best) best = ov;
      any = true;
    }
  }
  if (nan) return std::numeric_limits<float>::quiet_NaN();
  return any ? best : 0.0f;
}

namespace {

// A dict of lists that remembers the order keys were first used (Python's defaultdict(list)).
struct OrderedLists {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<int>> lists;
  void add(const std::string& k, int v) {
    auto [it, fresh] = lists.try_emplace(k);
    if (fresh) order.push_back(k);
    it->second.push_back(v);
  }
  // np.sum([sum(hm) / len(hm) for hm in values()]).
  double sum_of_means() const {
    std::vector<double> m;
    for (const auto& k : order) {
      const auto& l = lists.at(k);
      long s = 0;
      for (int x : l) s += x;
      m.push_back(static_cast<double>(s) * 1. / static_cast<double>(l.size()));
    }
    return numpy_sum(m);
  }
};

double np_sum(const std::vector<double>& v) { return numpy_sum(v); }

double np_mean_ints(const std::vector<int>& v) {
  std::vector<double> d(v.begin(), v.end());
  return mean(d);
}

}  // namespace

AnetScores score_anet(const std::vector<AnetSegment>& segments, const AnetOptions& o) {
  AnetScores out;
  OrderedLists prec, recall;
  std::set<std::string> vocab;
  std::vector<std::string> sent_order;
  std::unordered_map<std::string, std::vector<int>> prec_per_sent, rec_per_sent;

  auto ref_boxes = [](const AnetSegment& s, uint64_t word) {
    std::vector<const AnetEntity*> r;
    for (const auto& e : s.entities)
      if (std::find(e.word_indices.begin(), e.word_indices.end(), word) != e.word_indices.end()) r.push_back(&e);
    return r;
  };

  // Precision.
  for (const AnetSegment& s : segments) {
    if (s.entities.empty() || !s.has_prediction) continue;
    std::vector<int> tmp;
    std::map<std::string, std::vector<uint64_t>> idx_in_sent;
    std::unordered_set<uint64_t> sent_idx;
    for (const auto& e : s.entities) {
      for (const auto& c : e.classes) vocab.insert(c);
      for (size_t k = 0; k < e.classes.size() && k < e.word_indices.size(); ++k) idx_in_sent[e.classes[k]].push_back(e.word_indices[k]);
      sent_idx.insert(e.word_indices.begin(), e.word_indices.end());
    }
    std::unordered_set<std::string> exclude;
    for (size_t t = 0; t < s.tokens.size(); ++t) {
      if (sent_idx.count(t) || s.tokens[t].empty()) continue;
      exclude.insert(o.lemma ? o.lemma(s.tokens[t]) : s.tokens[t]);
    }
    for (size_t p = 0; p < s.pred_classes.size(); ++p) {
      const std::string& c = s.pred_classes[p];
      auto it = idx_in_sent.find(c);
      if (it != idx_in_sent.end()) {
        const uint64_t gt_idx = *std::min_element(it->second.begin(), it->second.end());
        const float ov = anet_overlap(s.pred_boxes[p], ref_boxes(s, gt_idx));
        const int hit = ov > o.iou_threshold ? 1 : 0;
        prec.add(c, hit);
        tmp.push_back(hit);
      } else if (exclude.count(o.lemma ? o.lemma(c) : c)) {
        // an unannotated word of the sentence: not penalised
      } else if (!o.loc) {
        prec.add(c, 0);
        tmp.push_back(0);
      }
    }
    sent_order.push_back(s.id);
    prec_per_sent[s.id] = std::move(tmp);
  }

  // Recall.
  for (const AnetSegment& s : segments) {
    if (s.entities.empty()) continue;
    std::vector<int> tmp;
    std::set<uint64_t> sent_idx;  // a set of small ints iterates in increasing order in Python too
    for (const auto& e : s.entities) sent_idx.insert(e.word_indices.begin(), e.word_indices.end());
    for (uint64_t w : sent_idx) {
      auto refs = ref_boxes(s, w);
      const AnetEntity& first = *refs.front();
      const size_t pos = static_cast<size_t>(std::find(first.word_indices.begin(), first.word_indices.end(), w) - first.word_indices.begin());
      const std::string c = pos < first.classes.size() ? first.classes[pos] : std::string();
      if (!s.has_prediction) {
        recall.add(c, 0);
        tmp.push_back(0);
        continue;
      }
      auto it = std::find(s.pred_classes.begin(), s.pred_classes.end(), c);
      if (it != s.pred_classes.end()) {
        const float ov = anet_overlap(s.pred_boxes[static_cast<size_t>(it - s.pred_classes.begin())], refs);
        const int hit = ov > o.iou_threshold ? 1 : 0;
        recall.add(c, hit);
        tmp.push_back(hit);
      } else if (!o.loc) {
        recall.add(c, 0);
        tmp.push_back(0);
      }
    }
    rec_per_sent[s.id] = std::move(tmp);
  }

  out.vocabulary = vocab.size();
  const double nv = static_cast<double>(vocab.size());
  out.precision = prec.sum_of_means() * 1. / nv;
  out.recall = recall.sum_of_means() * 1. / nv;
  out.f1 = 2. * out.precision * out.recall / (out.precision + out.recall);

  std::vector<double> ps, rs, fs;
  for (const std::string& id : sent_order) {
    AnetScores::Segment seg;
    seg.id = id;
    const auto& pl = prec_per_sent[id];
    const auto& rl = rec_per_sent[id];
    if (rl.empty()) {
      ++out.sentences_without_labels;
      out.per_segment.push_back(seg);
      continue;
    }
    seg.precision = pl.empty() ? 0.0 : np_mean_ints(pl);
    seg.recall = np_mean_ints(rl);
    seg.f1 = (seg.precision == 0.0 && seg.recall == 0.0) ? 0.0 : 2. * seg.precision * seg.recall / (seg.precision + seg.recall);
    seg.scored = true;
    ps.push_back(seg.precision);
    rs.push_back(seg.recall);
    fs.push_back(seg.f1);
    out.per_segment.push_back(seg);
  }
  out.sentences = ps.size();
  const double den = o.corrected ? static_cast<double>(ps.size())
                                 : static_cast<double>(o.predicted_segments) - static_cast<double>(out.sentences_without_labels);
  out.precision_per_sent = np_sum(ps) / den;
  out.recall_per_sent = np_sum(rs) / den;
  out.f1_per_sent = np_sum(fs) / den;
  return out;
}

}  // namespace grove::eval
