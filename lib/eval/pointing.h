// The pointing game of eval_youcookinteractions.py (YouCook-Interactions, GroundingYouTube): for every annotated
// second with a ground-truth box, the prediction is correct when the centre of its box lies inside the
// ground-truth box, borders included; accuracy = correct / annotated x 100. Seconds without a box are skipped; a
// missing or NaN prediction counts as wrong. The prediction for a ground-truth frame is the predicted frame with
// the nearest native frame number (the first on a tie), as the original takes the 5 fps frame nearest the
// target second. The original crashes on a clip missing from the predictions; here it counts as wrong.
#pragma once
#include <string>
#include <vector>

#include "eval/iground.h"

namespace grove::eval {

struct PointingClip {
  std::string id;
  std::vector<uint64_t> frames;            // per annotated second
  std::vector<std::vector<Box>> gt;        // per annotated second: no box, or one
  bool has_prediction = false;
  std::vector<uint64_t> pred_frames;
  std::vector<std::vector<Box>> pred;      // per predicted frame; the first box is used
};

struct PointingClipScore {
  std::string id;
  long correct = 0, valid = 0;
};

struct PointingScores {
  double accuracy = 0;  // percent
  long correct = 0, valid = 0;
  std::vector<PointingClipScore> per_clip;
};

PointingScores score_pointing(const std::vector<PointingClip>& clips);

}  // namespace grove::eval
