// See iground.h. Per video, as transform_data_to_coco_format, evaluate_ap_per_video, evaluate_bbox_miou and
// evaluate_recall_with_mapping do it, but indexing each video's frames directly instead of scanning every
// annotation of the set for every frame (the script's cost is quadratic in the set's size).
#include "eval/iground.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "eval/caption_metrics.h"
#include "eval/coco_ap.h"

namespace grove::eval {

double iground_compute_iou(const Box& a, const Box& b) {
  const double xA = std::max(a[0], b[0]), yA = std::max(a[1], b[1]);
  const double xB = std::min(a[2], b[2]), yB = std::min(a[3], b[3]);
  const double inter = std::max(0.0, xB - xA + 1) * std::max(0.0, yB - yA + 1);
  const double areaA = (a[2] - a[0] + 1) * (a[3] - a[1] + 1);
  const double areaB = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
  const double den = areaA + areaB - inter;
  if (den == 0) return 0.0;
  return inter / den;
}

namespace {

// A COCO annotation's bbox: [x, y, w, h] of int()-truncated corners.
CocoBox coco_box(double x1, double y1, double x2, double y2) {
  const double a = std::trunc(x1), b = std::trunc(y1), c = std::trunc(x2), d = std::trunc(y2);
  return {a, b, c - a, d - b};
}

// The box the script's IoU sees (the bbox list read as corners) or, corrected, the real corners.
Box iou_view(const CocoBox& c, bool corrected) {
  if (corrected) return {c.x, c.y, c.x + c.w, c.y + c.h};
  return {c.x, c.y, c.w, c.h};
}

double corrected_iou(const Box& a, const Box& b) {
  return coco_iou({a[0], a[1], a[2] - a[0], a[3] - a[1]}, {b[0], b[1], b[2] - b[0], b[3] - b[1]}, false);
}

}  // namespace

IgroundScores score_iground(const std::vector<IgroundVideo>& videos, const IgroundOptions& o) {
  IgroundScores out;
  std::vector<double> aps, mious, recalls;
  const std::vector<std::vector<Box>> no_boxes;
  for (const IgroundVideo& v : videos) {
    IgroundVideoScore s;
    s.id = v.id;
    const size_t T = v.gt_boxes.size();
    std::vector<std::vector<Box>> pb;
    std::vector<std::vector<std::string>> pl;
    if (v.has_prediction) {
      pb = v.pred_boxes;
      pl = v.pred_labels;
      if (pb.size() > v.gt_boxes.size()) pb.pop_back();   // the script drops exactly one trailing frame
      if (pl.size() > v.gt_labels.size()) pl.pop_back();
    }
    if (!v.has_prediction || (pb.empty() && pl.empty())) {
      if (!o.corrected) {
        s.skipped = v.has_prediction ? "the prediction has no frame" : "no prediction";
        out.per_video.push_back(std::move(s));
        continue;
      }
      pb.assign(T, {});
      pl.assign(v.gt_labels.size(), {});
    }
    if (v.gt_labels.size() != T || pb.size() != T || pl.size() != T) {
      s.skipped = "frame counts differ (ground truth " + std::to_string(T) + " boxes / " +
                  std::to_string(v.gt_labels.size()) + " labels, prediction " + std::to_string(pb.size()) + " / " +
                  std::to_string(pl.size()) + "): the original stops with an assertion";
      out.per_video.push_back(std::move(s));
      continue;
    }
    s.frames = T;
    std::vector<CocoImage> images(T);
    std::vector<double> frame_mious;
    for (size_t f = 0; f < T; ++f) {
      CocoImage& im = images[f];
      im.id = v.id + "_" + std::to_string(f);
      const size_t ng = std::min(v.gt_boxes[f].size(), v.gt_labels[f].size());  // zip
      for (size_t i = 0; i < ng; ++i) {
        const Box& b = v.gt_boxes[f][i];
        CocoGt g;
        g.box = coco_box(b[0], b[1], b[2], b[3]);
        g.area = g.box.w * g.box.h;
        im.gt.push_back(g);
      }
      const size_t np_ = std::min(pb[f].size(), pl[f].size());
      const float W = static_cast<float>(v.width), H = static_cast<float>(v.height);
      for (size_t i = 0; i < np_; ++i) {
        const Box& b = pb[f][i];
        // clamp_bbox on the float32 array, then int().
        auto cx = [&](double x) { return static_cast<double>(std::min(std::max(static_cast<float>(x), 0.0f), W)); };
        auto cy = [&](double y) { return static_cast<double>(std::min(std::max(static_cast<float>(y), 0.0f), H)); };
        CocoDet d;
        d.box = coco_box(cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3]));
        im.det.push_back(d);
      }

      // mIoU over frames with both.
      if (!im.gt.empty() && !im.det.empty()) {
        if (!o.corrected) {
          std::vector<double> m;
          for (const auto& d : im.det)
            for (const auto& g : im.gt) m.push_back(iground_compute_iou(iou_view(d.box, false), iou_view(g.box, false)));
          frame_mious.push_back(mean(m));
        } else {
          const size_t P = im.det.size(), G = im.gt.size();
          std::vector<double> m(P * G);
          for (size_t i = 0; i < P; ++i)
            for (size_t j = 0; j < G; ++j) m[i * G + j] = corrected_iou(iou_view(im.det[i].box, true), iou_view(im.gt[j].box, true));
          std::vector<bool> row(P, true), col(G, true);
          std::vector<double> paired;
          for (;;) {
            double best = 0;
            long bi = -1, bj = -1;
            for (size_t i = 0; i < P; ++i) {
              if (!row[i]) continue;
              for (size_t j = 0; j < G; ++j)
                if (col[j] && (bi < 0 || m[i * G + j] > best)) { best = m[i * G + j]; bi = static_cast<long>(i); bj = static_cast<long>(j); }
            }
            if (bi < 0 || !(best > 0)) break;
            paired.push_back(best);
            row[bi] = false;
            col[bj] = false;
          }
          frame_mious.push_back(paired.empty() ? 0.0 : mean(paired));
        }
      }

      // Recall.
      const std::vector<std::string>& gl = v.gt_labels[f];
      const std::vector<std::string>& dl = pl[f];
      s.positives += static_cast<long>(gl.size());
      const size_t G = im.gt.size(), P = im.det.size();
      if (G == 0 || P == 0 || gl.empty() || dl.empty()) continue;
      std::vector<double> ious(G * P);
      for (size_t i = 0; i < G; ++i)
        for (size_t j = 0; j < P; ++j) {
          const Box a = iou_view(im.gt[i].box, o.corrected), b = iou_view(im.det[j].box, o.corrected);
          ious[i * P + j] = o.corrected ? corrected_iou(a, b) : iground_compute_iou(a, b);
        }
      auto sim = [&](size_t i, size_t j) { return o.text_similarity ? o.text_similarity(gl[i], dl[j]) : 1.0; };
      if (!o.corrected) {
        std::vector<bool> row(G, true), col(P, true);  // zeroed rows and columns
        for (;;) {
          size_t best = 0;
          for (size_t k = 1; k < G * P; ++k)
            if (ious[k] > ious[best]) best = k;  // np.argmax: the first maximum
          const size_t i = best / P, j = best % P;
          // Zeroed pairs read 0 in both matrices; the IoU test comes first, as Python's `or` evaluates it.
          if (ious[best] < o.iou_threshold) break;
          if ((row[i] && col[j] ? sim(i, j) : 0.0) < o.text_threshold) break;
          ++s.true_positives;
          for (size_t k = 0; k < P; ++k) ious[i * P + k] = 0;
          for (size_t k = 0; k < G; ++k) ious[k * P + j] = 0;
          row[i] = false;
          col[j] = false;
        }
      } else {
        std::vector<size_t> cand;
        for (size_t k = 0; k < G * P; ++k)
          if (ious[k] >= o.iou_threshold) cand.push_back(k);
        std::stable_sort(cand.begin(), cand.end(), [&](size_t a, size_t b) { return ious[a] > ious[b]; });
        std::vector<bool> row(G, true), col(P, true);
        for (size_t k : cand) {
          const size_t i = k / P, j = k % P;
          if (!row[i] || !col[j] || sim(i, j) < o.text_threshold) continue;
          ++s.true_positives;
          row[i] = false;
          col[j] = false;
        }
      }
    }
    s.ap50 = coco_ap(images);
    s.miou = frame_mious.empty() ? 0.0 : mean(frame_mious);
    s.recall = s.positives > 0 ? static_cast<double>(s.true_positives) / static_cast<double>(s.positives) : 0.0;
    s.scored = true;
    if (!o.corrected || s.ap50 != -1) {
      aps.push_back(s.ap50);
      ++out.ap_videos;
    }
    mious.push_back(s.miou);
    recalls.push_back(s.recall);
    ++out.videos;
    out.per_video.push_back(std::move(s));
  }
  out.ap50 = aps.empty() ? 0.0 : mean(aps);
  out.miou = mious.empty() ? 0.0 : mean(mious);
  out.recall = recalls.empty() ? 0.0 : mean(recalls);
  return out;
}

}  // namespace grove::eval
