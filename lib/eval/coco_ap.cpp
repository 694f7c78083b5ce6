// See coco_ap.h. The names follow COCOeval's (evaluateImg, accumulate) so the steps can be read side by side.
#include "eval/coco_ap.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>

#include "eval/caption_metrics.h"

namespace grove::eval {

double coco_iou(const CocoBox& d, const CocoBox& g, bool crowd) {
  const double da = d.w * d.h, ga = g.w * g.h;
  const double w = std::min(d.w + d.x, g.w + g.x) - std::max(d.x, g.x);
  if (w <= 0) return 0;
  const double h = std::min(d.h + d.y, g.h + g.y) - std::max(d.y, g.y);
  if (h <= 0) return 0;
  const double i = w * h;
  const double u = crowd ? da : da + ga - i;
  return i / u;
}

namespace {

struct ImageResult {
  std::vector<double> scores;
  std::vector<bool> matched;   // dtMatches != 0
  std::vector<bool> ignored;   // dtIgnore
  size_t gt_counted = 0;       // gtIgnore == 0
};

}  // namespace

double coco_ap(std::vector<CocoImage> images, const CocoApOptions& o) {
  // np.unique: sorted ids, duplicates dropped (their boxes were found through the same id, so join them).
  std::stable_sort(images.begin(), images.end(), [](const CocoImage& a, const CocoImage& b) { return a.id < b.id; });
  std::vector<CocoImage> unique;
  for (auto& im : images) {
    if (!unique.empty() && unique.back().id == im.id) continue;  // COCO keeps one image per id
    unique.push_back(std::move(im));
  }
  const double t = std::min(o.iou, 1 - 1e-10);
  std::vector<ImageResult> results;
  for (const CocoImage& im : unique) {
    if (im.gt.empty() && im.det.empty()) continue;  // evaluateImg returns None
    // Detections by score, stable; cut to maxDets (computeIoU cuts to maxDets[-1], evaluateImg to maxDet).
    std::vector<size_t> di(im.det.size());
    std::iota(di.begin(), di.end(), 0);
    std::stable_sort(di.begin(), di.end(), [&](size_t a, size_t b) { return -im.det[a].score < -im.det[b].score; });
    if (static_cast<int>(di.size()) > o.max_dets) di.resize(o.max_dets);
    // Ground truth: ignored ones last, stable.
    std::vector<int> gt_ignore(im.gt.size());
    for (size_t g = 0; g < im.gt.size(); ++g) {
      const CocoGt& x = im.gt[g];
      gt_ignore[g] = (x.crowd || x.area < o.area_min || x.area > o.area_max) ? 1 : 0;
    }
    std::vector<size_t> gi(im.gt.size());
    std::iota(gi.begin(), gi.end(), 0);
    std::stable_sort(gi.begin(), gi.end(), [&](size_t a, size_t b) { return gt_ignore[a] < gt_ignore[b]; });

    ImageResult r;
    std::vector<bool> gt_matched(gi.size(), false);
    for (size_t k = 0; k < di.size(); ++k) {
      const CocoDet& d = im.det[di[k]];
      double best = t;
      long m = -1;
      for (size_t j = 0; j < gi.size(); ++j) {
        const CocoGt& g = im.gt[gi[j]];
        if (gt_matched[j] && !g.crowd) continue;
        if (m > -1 && gt_ignore[gi[m]] == 0 && gt_ignore[gi[j]] == 1) break;
        const double iou = coco_iou(d.box, g.box, g.crowd);
        if (iou < best) continue;
        best = iou;
        m = static_cast<long>(j);
      }
      bool matched = m != -1, ignored = false;
      if (matched) {
        ignored = gt_ignore[gi[m]] == 1;
        gt_matched[m] = true;
      }
      const double area = d.box.w * d.box.h;
      if (!matched && (area < o.area_min || area > o.area_max)) ignored = true;
      r.scores.push_back(d.score);
      r.matched.push_back(matched);
      r.ignored.push_back(ignored);
    }
    for (int g : gt_ignore) r.gt_counted += g == 0;
    results.push_back(std::move(r));
  }
  if (results.empty()) return -1;  // accumulate: no image evaluated, precision stays -1

  std::vector<double> scores;
  std::vector<bool> matched, ignored;
  size_t npig = 0;
  for (const auto& r : results) {
    scores.insert(scores.end(), r.scores.begin(), r.scores.end());
    matched.insert(matched.end(), r.matched.begin(), r.matched.end());
    ignored.insert(ignored.end(), r.ignored.begin(), r.ignored.end());
    npig += r.gt_counted;
  }
  if (npig == 0) return -1;
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return -scores[a] < -scores[b]; });

  const double eps = std::nextafter(1.0, 2.0) - 1.0;  // np.spacing(1)
  std::vector<double> rc, pr;
  double tp = 0, fp = 0;
  for (size_t k : order) {
    if (matched[k] && !ignored[k]) tp += 1;
    if (!matched[k] && !ignored[k]) fp += 1;
    rc.push_back(tp / static_cast<double>(npig));
    pr.push_back(tp / (fp + tp + eps));
  }
  const size_t nd = pr.size();
  for (size_t i = nd; i-- > 1;) {
    if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  }
  std::vector<double> q(101, 0.0);
  for (int ri = 0; ri < 101; ++ri) {
    const double thr = ri == 100 ? 1.0 : ri * 0.01;  // np.linspace(0, 1, 101)
    const size_t pi = static_cast<size_t>(std::lower_bound(rc.begin(), rc.end(), thr) - rc.begin());
    if (pi >= nd) break;  // the IndexError COCOeval swallows: the rest stay 0
    q[ri] = pr[pi];
  }
  return mean(q);
}

}  // namespace grove::eval
