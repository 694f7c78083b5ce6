// See vidstg.h.
#include "eval/vidstg.h"

#include <algorithm>
#include <cmath>

namespace grove::eval {

double vidstg_iou(const Box& p, const Box& g) {
  // area1 of the float32 prediction array is computed in float32; everything else in float64.
  const float pf[4] = {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]), static_cast<float>(p[3])};
  const float area1 = (pf[2] - pf[0]) * (pf[3] - pf[1]);
  const double area2 = (g[2] - g[0]) * (g[3] - g[1]);
  const double w = std::max(0.0, std::min<double>(pf[2], g[2]) - std::max<double>(pf[0], g[0]));
  const double h = std::max(0.0, std::min<double>(pf[3], g[3]) - std::max<double>(pf[1], g[1]));
  const double inter = w * h;
  const double uni = static_cast<double>(area1) + area2 - inter;
  return inter / uni;  // 0/0 is nan, as numpy gives
}

VidstgScores score_vidstg(const std::vector<VidstgVideo>& videos, bool corrected) {
  VidstgScores out;
  std::map<std::string, std::map<std::string, double>> sums;
  for (const VidstgVideo& v : videos) {
    VidstgVideoScore s;
    s.id = v.id;
    s.qtype = v.qtype;
    s.frames = v.frames.size();
    double total = 0;
    bool missing = !v.has_prediction;
    if (v.has_prediction) {
      for (size_t k = 0; k < v.frames.size(); ++k) {
        auto it = std::find(v.pred_frames.begin(), v.pred_frames.end(), v.frames[k]);  // pred_frame_ids.index()
        if (it == v.pred_frames.end()) {
          ++s.missing_frames;
          continue;
        }
        const auto& boxes = v.pred[static_cast<size_t>(it - v.pred_frames.begin())];
        if (boxes.empty()) continue;
        const Box& b = boxes[0];
        if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) continue;  // pred_box.any() is false
        total += vidstg_iou(b, v.gt[k]);
      }
      missing = s.missing_frames > 0;
    }
    if (missing && !corrected) {
      s.skipped = !v.has_prediction ? "no prediction (the original stops: \"Missing predictions\")"
                                    : std::to_string(s.missing_frames) + " frames without a prediction (the original stops: \"Missing prediction for frame\")";
      out.per_video.push_back(std::move(s));
      continue;
    }
    if (!v.has_prediction) s.missing_frames = v.frames.size();
    s.viou = total / static_cast<double>(std::max<size_t>(v.frames.size(), 1));
    s.scored = true;
    if (!out.counts.count(v.qtype)) out.qtypes.push_back(v.qtype);
    ++out.counts[v.qtype];
    auto& m = sums[v.qtype];
    m["gt_viou"] += s.viou;
    m["gt_viou@0.3"] += s.viou > 0.3 ? 1 : 0;
    m["gt_viou@0.5"] += s.viou > 0.5 ? 1 : 0;
    out.per_video.push_back(std::move(s));
  }
  for (const auto& q : out.qtypes) {
    for (const auto& [k, sum] : sums[q]) out.values[q][k] = sum / static_cast<double>(out.counts[q]);
  }
  return out;
}

}  // namespace grove::eval
