// The box half of the original's eval_iground.py --evaluation_mode per_video (reference/evaluation.md 1.1): per
// video COCO AP50, mIoU and Recall, averaged over videos. The default reproduces the released script, quirks
// included; Options::corrected gives fixed versions. Differences (also in grove-eval(1)):
//   1. IoU in mIoU and Recall: the script passes COCO [x, y, w, h] boxes to an IoU that reads [x1, y1, x2, y2]
//      with the +1 pixel convention; corrected: the boxes' real corners, IoU without +1 (as AP's).
//   2. Recall's greedy matching stops at the first best-IoU pair that fails a threshold; corrected: it goes on
//      with the best admissible pair (IoU >= 0.5 and text similarity >= 0.5) until none is left.
//   3. mIoU averages the whole prediction x ground-truth IoU matrix of a frame; corrected: the mean IoU of
//      greedy one-to-one pairs (GLaMM's compute_miou).
//   4. A video without a prediction (or whose prediction has no frame) is left out of every metric; corrected:
//      it scores as a prediction without boxes (AP 0 when it has ground truth, Recall 0, mIoU 0).
//   5. A video without ground-truth boxes gets AP -1, which is averaged in; corrected: left out of the AP mean.
// Both modes: boxes are truncated with int() to [x, y, w, h] (predictions clamped to the frame first, in
// float32 as the original's numpy arrays are), every detection scores 1.0, a prediction with one frame more
// than the ground truth loses its last frame, and a box pairs with a label by position (zip). Text similarity:
// a callback (BERT cosine in the original); without one, the text gate is off and Recall is IoU only.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

namespace grove::eval {

using Box = std::array<double, 4>;  // x1, y1, x2, y2

struct IgroundVideo {
  std::string id;
  double width = 0, height = 0;                        // the ground truth's frame size (predictions are clamped)
  std::vector<std::vector<Box>> gt_boxes;              // per frame
  std::vector<std::vector<std::string>> gt_labels;     // per frame, one phrase per box
  bool has_prediction = false;
  std::vector<std::vector<Box>> pred_boxes;            // per frame
  std::vector<std::vector<std::string>> pred_labels;   // per frame
};

struct IgroundOptions {
  bool corrected = false;
  double iou_threshold = 0.5, text_threshold = 0.5;
  // Cosine similarity of a ground-truth and a predicted phrase; empty: the text gate is off (every pair passes).
  std::function<double(const std::string& gt, const std::string& pred)> text_similarity;
};

struct IgroundVideoScore {
  std::string id;
  bool scored = false;        // counted in the means
  std::string skipped;        // why not, when not scored
  double ap50 = -1;           // -1: no ground truth (COCOeval's value)
  double miou = 0;
  double recall = 0;
  long true_positives = 0, positives = 0;
  size_t frames = 0;
};

struct IgroundScores {
  double ap50 = 0, miou = 0, recall = 0;  // means over the scored videos (AP over those counted, see above)
  size_t videos = 0;                      // scored
  size_t ap_videos = 0;                   // in the AP mean
  std::vector<IgroundVideoScore> per_video;  // in input order, skipped ones included
};

// The IoU eval_iground.py's compute_iou gives two boxes: corners read as [x1, y1, x2, y2] with +1 pixel sizes;
// 0 when the union is 0.
double iground_compute_iou(const Box& a, const Box& b);

IgroundScores score_iground(const std::vector<IgroundVideo>& videos, const IgroundOptions& options);

}  // namespace grove::eval
