// VidSTG spatial grounding with ground-truth temporal boundaries, as eval_vidstg.py (TubeDETR's evaluator reduced to
// its spatial part) computes it: per video the mean IoU over the tube's frames (gt_viou), and gt_viou@0.3 / @0.5
// (1 when gt_viou is strictly above the threshold), each averaged per sentence type (qtype). The IoU is
// torchvision's box_iou on [x1, y1, x2, y2] without +1, with the predicted box's area in float32 (the original's
// numpy arrays); a predicted box of zeros (or no box on the frame) has IoU 0. A frame or video without a
// prediction stops the original with an error: by default such a video is reported and left out; with
// corrected, its missing frames score 0.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "eval/iground.h"

namespace grove::eval {

struct VidstgVideo {
  std::string id, qtype;
  std::vector<uint64_t> frames;          // the ground truth's frame numbers
  std::vector<Box> gt;                   // one box per frame
  bool has_prediction = false;
  std::vector<uint64_t> pred_frames;     // native frame numbers
  std::vector<std::vector<Box>> pred;    // per predicted frame; the first box is used
};

struct VidstgVideoScore {
  std::string id, qtype, skipped;
  bool scored = false;
  double viou = 0;
  size_t frames = 0, missing_frames = 0;
};

struct VidstgScores {
  // Per qtype, in first-seen order: gt_viou, gt_viou@0.3, gt_viou@0.5, and the number of videos.
  std::vector<std::string> qtypes;
  std::map<std::string, std::map<std::string, double>> values;
  std::map<std::string, size_t> counts;
  std::vector<VidstgVideoScore> per_video;
};

// box_iou of one predicted and one ground-truth box as eval_vidstg.py computes it.
double vidstg_iou(const Box& pred, const Box& gt);

VidstgScores score_vidstg(const std::vector<VidstgVideo>& videos, bool corrected);

}  // namespace grove::eval
