// COCO box AP for one category, as pycocotools 2.0.6's COCOeval computes it (evaluate, accumulate, and the
// summarize() entry for one IoU threshold, area range and maxDets), step by step:
//   - images are visited in the order of np.unique(imgIds): sorted, which for string ids is lexicographic
//     ("v_10" before "v_2"), duplicates dropped;
//   - per image, detections are sorted by score with a stable sort (equal scores keep their input order) and
//     cut to maxDets; ground truth is sorted so that ignored boxes (crowd, or area outside the range) come last;
//   - IoU of [x, y, w, h] boxes without the +1 pixel convention (maskApi's bbIou; a crowd box's union is the
//     detection's area);
//   - greedy matching at threshold min(t, 1 - 1e-10): each detection, in order, takes the unmatched ground truth
//     with the highest IoU >= the threshold, a later box winning a tie; it stops at the first ignored box once a
//     non-ignored one is matched; an unmatched detection whose area is outside the range is ignored;
//   - an image with neither boxes nor detections is left out; one with detections and no ground truth
//     contributes false positives; every image's detections are joined in image order and sorted again (stable)
//     by score;
//   - precision pr = tp / (tp + fp + eps) made monotone from the right, read at the 101 recall thresholds
//     i * 0.01 with searchsorted(side='left'), 0 past the last detection; AP is numpy's mean of the 101 values;
//   - no ground-truth box that counts (npig == 0): the precision stays -1 and AP is -1.
#pragma once
#include <string>
#include <vector>

namespace grove::eval {

struct CocoBox {
  double x = 0, y = 0, w = 0, h = 0;
};

struct CocoGt {
  CocoBox box;
  double area = 0;     // the annotation's "area" field (COCOeval compares it with the area range)
  bool crowd = false;  // iscrowd
};

struct CocoDet {
  CocoBox box;
  double score = 1.0;  // the area used for the range is w * h, as loadRes sets it
};

struct CocoImage {
  std::string id;
  std::vector<CocoGt> gt;
  std::vector<CocoDet> det;
};

struct CocoApOptions {
  double iou = 0.5;                      // one of COCOeval's iouThrs
  int max_dets = 100;                    // maxDets
  double area_min = 0, area_max = 1e10;  // areaRng ("all")
};

// IoU of a detection and a ground-truth box as maskApi's bbIou computes it.
double coco_iou(const CocoBox& det, const CocoBox& gt, bool crowd);

// The AP COCOeval.summarize() reports for these images, one category; -1 when no ground truth counts.
double coco_ap(std::vector<CocoImage> images, const CocoApOptions& options = {});

}  // namespace grove::eval
