// See pointing.h.
#include "eval/pointing.h"

#include <cmath>

namespace grove::eval {

PointingScores score_pointing(const std::vector<PointingClip>& clips) {
  PointingScores out;
  for (const PointingClip& c : clips) {
    PointingClipScore s;
    s.id = c.id;
    for (size_t k = 0; k < c.frames.size() && k < c.gt.size(); ++k) {
      if (c.gt[k].empty()) continue;
      const Box& g = c.gt[k][0];
      ++s.valid;
      if (!c.has_prediction || c.pred_frames.empty()) continue;
      size_t best = 0;
      auto dist = [&](size_t i) {
        const uint64_t a = c.pred_frames[i], b = c.frames[k];
        return a > b ? a - b : b - a;
      };
      for (size_t i = 1; i < c.pred_frames.size(); ++i)
        if (dist(i) < dist(best)) best = i;
      if (best >= c.pred.size() || c.pred[best].empty()) continue;
      const Box& p = c.pred[best][0];
      if (std::isnan(p[0]) || std::isnan(p[1]) || std::isnan(p[2]) || std::isnan(p[3])) continue;
      // The box is a float32 array: its centre is computed in float32.
      const float cx = (static_cast<float>(p[0]) + static_cast<float>(p[2])) / 2.0f;
      const float cy = (static_cast<float>(p[1]) + static_cast<float>(p[3])) / 2.0f;
      if (g[0] <= cx && cx <= g[2] && g[1] <= cy && cy <= g[3]) ++s.correct;
    }
    out.correct += s.correct;
    out.valid += s.valid;
    out.per_clip.push_back(s);
  }
  out.accuracy = out.valid ? (static_cast<double>(out.correct) / static_cast<double>(out.valid)) * 100 : 0.0;
  return out;
}

}  // namespace grove::eval
