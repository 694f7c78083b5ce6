// The grounding protocols on small constructed inputs: each of eval_iground.py's quirks reproduced by default and
// fixed with corrected (iground.h lists them), and VidSTG, ActivityNet-Entities and the pointing game on values
// derived by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/anet.h"
#include "eval/iground.h"
#include "eval/pointing.h"
#include "eval/vidstg.h"

using namespace grove::eval;

namespace {

IgroundVideo video(const std::string& id, std::vector<std::vector<Box>> gt, std::vector<std::vector<Box>> pred) {
  IgroundVideo v;
  v.id = id;
  v.width = 1000;
  v.height = 1000;
  for (const auto& f : gt) v.gt_labels.push_back(std::vector<std::string>(f.size(), "thing"));
  for (const auto& f : pred) v.pred_labels.push_back(std::vector<std::string>(f.size(), "thing"));
  v.gt_boxes = std::move(gt);
  v.pred_boxes = std::move(pred);
  v.has_prediction = true;
  return v;
}

IgroundScores run(const std::vector<IgroundVideo>& v, bool corrected, IgroundOptions o = {}) {
  o.corrected = corrected;
  return score_iground(v, o);
}

}  // namespace

TEST(Iground, ComputeIouReadsCornersWithThePlusOneConvention) {
  // Identical [x, y, w, h] boxes read as corners: [100,50,80,60] is empty (x2 < x1), IoU 0.
  EXPECT_DOUBLE_EQ(iground_compute_iou({100, 50, 80, 60}, {100, 50, 80, 60}), 0.0);
  EXPECT_DOUBLE_EQ(iground_compute_iou({10, 10, 200, 150}, {10, 10, 200, 150}), 1.0);
  // +1 sizes: [0,0,9,9] and [5,0,14,9] overlap 5 x 10 of 10 x 10 each: 50 / 150.
  EXPECT_DOUBLE_EQ(iground_compute_iou({0, 0, 9, 9}, {5, 0, 14, 9}), 50.0 / 150.0);
}

TEST(Iground, Quirk1BoxesReadAsCornersInRecallAndMiou) {
  // A perfect prediction of [100,50,180,110]: COCO keeps [100,50,80,60], which compute_iou reads as an empty box.
  auto v = video("v", {{{100, 50, 180, 110}}}, {{{100, 50, 180, 110}}});
  auto released = run({v}, false), fixed = run({v}, true);
  EXPECT_DOUBLE_EQ(released.recall, 0.0);
  EXPECT_DOUBLE_EQ(released.miou, 0.0);
  EXPECT_DOUBLE_EQ(released.ap50, 1.0);  // AP reads the boxes right
  EXPECT_DOUBLE_EQ(fixed.recall, 1.0);
  EXPECT_DOUBLE_EQ(fixed.miou, 1.0);
}

TEST(Iground, Quirk2RecallStopsAtTheFirstFailingPair) {
  // Two perfect boxes; the first pair (the first maximum of the IoU matrix) fails the text test. The script stops;
  // corrected goes on to the second pair.
  auto v = video("v", {{{10, 10, 200, 150}, {5, 5, 300, 300}}}, {{{10, 10, 200, 150}, {5, 5, 300, 300}}});
  v.gt_labels = {{"a cat", "a dog"}};
  v.pred_labels = {{"a car", "a dog"}};
  IgroundOptions o;
  o.text_similarity = [](const std::string& a, const std::string& b) { return a == b ? 1.0 : 0.0; };
  EXPECT_DOUBLE_EQ(run({v}, false, o).recall, 0.0);
  EXPECT_DOUBLE_EQ(run({v}, true, o).recall, 0.5);
  // Without a text gate both pairs match either way.
  EXPECT_DOUBLE_EQ(run({v}, false).recall, 1.0);
}

TEST(Iground, Quirk3MiouAveragesTheWholeMatrix) {
  // Two far-apart boxes predicted exactly: the matrix [[1, 0], [0, 1]] averages 0.5; paired, 1.
  auto v = video("v", {{{10, 10, 200, 150}, {400, 400, 800, 900}}}, {{{10, 10, 200, 150}, {400, 400, 800, 900}}});
  EXPECT_DOUBLE_EQ(run({v}, false).miou, 0.5);
  EXPECT_DOUBLE_EQ(run({v}, true).miou, 1.0);
}

TEST(Iground, Quirk4VideosWithoutPredictionAreLeftOut) {
  auto good = video("a", {{{10, 10, 200, 150}}}, {{{10, 10, 200, 150}}});
  auto missing = video("b", {{{10, 10, 200, 150}}}, {});
  missing.has_prediction = false;
  auto empty = video("c", {{{10, 10, 200, 150}}}, {});  // a prediction with no frame
  auto released = run({good, missing, empty}, false);
  EXPECT_EQ(released.videos, 1u);
  EXPECT_DOUBLE_EQ(released.ap50, 1.0);
  EXPECT_DOUBLE_EQ(released.recall, 1.0);
  EXPECT_EQ(released.per_video[1].skipped, "no prediction");
  auto fixed = run({good, missing, empty}, true);
  EXPECT_EQ(fixed.videos, 3u);
  EXPECT_DOUBLE_EQ(fixed.ap50, 1.0 / 3);
  EXPECT_DOUBLE_EQ(fixed.recall, 1.0 / 3);
}

TEST(Iground, Quirk5VideosWithoutGroundTruthAverageMinusOne) {
  auto good = video("a", {{{10, 10, 200, 150}}}, {{{10, 10, 200, 150}}});
  auto no_gt = video("b", {{}}, {{{10, 10, 200, 150}}});
  auto released = run({good, no_gt}, false);
  EXPECT_DOUBLE_EQ(released.per_video[1].ap50, -1.0);
  // (1 + -1) / 2; the perfect video's AP is 1 / (1 + eps) rather than 1, as COCOeval's precision tp / (tp + fp + eps).
  EXPECT_NEAR(released.ap50, 0.0, 1e-15);
  auto fixed = run({good, no_gt}, true);
  EXPECT_DOUBLE_EQ(fixed.ap50, 1.0);
  EXPECT_EQ(fixed.ap_videos, 1u);
}

TEST(Iground, OneTrailingFrameIsDroppedAndTwoAreAnError) {
  auto one_more = video("a", {{{10, 10, 200, 150}}}, {{{10, 10, 200, 150}}, {{0, 0, 5, 5}}});
  EXPECT_DOUBLE_EQ(run({one_more}, false).ap50, 1.0);  // the extra frame's box is gone, not a false positive
  auto two_more = video("a", {{{10, 10, 200, 150}}}, {{{10, 10, 200, 150}}, {}, {}});
  auto s = run({two_more}, false);
  EXPECT_EQ(s.videos, 0u);
  EXPECT_NE(s.per_video[0].skipped.find("frame counts differ"), std::string::npos);
}

TEST(Iground, PredictionsAreClampedAndTruncated) {
  // [-5.7, 0.9, 1200.2, 99.99] in a 1000 x 100 frame -> clamped [0, 0.9, 1000, 99.99] -> int [0, 0, 1000, 99]:
  // the ground truth [0, 0, 1000, 99] is matched exactly.
  auto v = video("a", {{{0, 0, 1000, 99.5}}}, {{{-5.7, 0.9, 1200.2, 99.99}}});
  v.height = 100;
  EXPECT_DOUBLE_EQ(run({v}, true).miou, 1.0);
}

TEST(Iground, RecallCountsEveryLabelOfTheFrame) {
  // Positives are the frame's ground-truth labels; predictions in frames without ground truth do not count.
  auto v = video("a", {{{10, 10, 200, 150}, {300, 300, 400, 400}}, {}}, {{{10, 10, 200, 150}}, {{10, 10, 200, 150}}});
  auto s = run({v}, false);
  EXPECT_EQ(s.per_video[0].positives, 2);
  EXPECT_EQ(s.per_video[0].true_positives, 1);
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
}

TEST(Vidstg, MeanIouPerSentenceTypeWithStrictThresholds) {
  VidstgVideo a;
  a.id = "0";
  a.qtype = "declarative";
  a.frames = {10, 15};
  a.gt = {{0, 0, 10, 10}, {0, 0, 10, 10}};
  a.has_prediction = true;
  a.pred_frames = {15, 10};
  a.pred = {{{0, 0, 10, 5}}, {{0, 0, 0, 0}}};  // frame 15: IoU 0.5; frame 10: all zeros, IoU 0
  auto s = score_vidstg({a}, false);
  EXPECT_DOUBLE_EQ(s.values["declarative"]["gt_viou"], 0.25);
  EXPECT_DOUBLE_EQ(s.values["declarative"]["gt_viou@0.3"], 0.0);
  a.pred = {{{0, 0, 10, 5}}, {{0, 0, 10, 5}}};  // gt_viou exactly 0.5: not > 0.5
  s = score_vidstg({a}, false);
  EXPECT_DOUBLE_EQ(s.values["declarative"]["gt_viou@0.5"], 0.0);
  EXPECT_DOUBLE_EQ(s.values["declarative"]["gt_viou@0.3"], 1.0);
  a.pred_frames = {15};
  a.pred = {{{0, 0, 10, 5}}};
  EXPECT_FALSE(score_vidstg({a}, false).per_video[0].scored);  // the original raises
  EXPECT_DOUBLE_EQ(score_vidstg({a}, true).values["declarative"]["gt_viou"], 0.25);
}

TEST(Anet, OverlapUsesPlusOneSizesAndSameFramesOnly) {
  AnetEntity e{3, {0, 0, 9, 9}, {"man"}, {1}};
  std::vector<std::optional<Box>> pred(10);
  pred[3] = Box{5, 0, 14, 9};
  EXPECT_FLOAT_EQ(anet_overlap(pred, {&e}), 50.0f / 150.0f);
  std::vector<std::optional<Box>> other(10);
  other[4] = Box{0, 0, 9, 9};
  EXPECT_FLOAT_EQ(anet_overlap(other, {&e}), 0.0f);  // a different frame
  std::vector<std::optional<Box>> dot(10);
  dot[3] = Box{2, 2, 2, 2};  // one pixel: -1
  EXPECT_FLOAT_EQ(anet_overlap(dot, {&e}), -1.0f);
}

TEST(Anet, PrecisionRecallAndThePerSentenceDenominator) {
  AnetSegment s;
  s.id = "v_0";
  s.tokens = {"a", "man", "leaves", "the", "ball"};
  s.entities = {{2, {10, 10, 50, 80}, {"man"}, {1}}, {5, {60, 60, 70, 70}, {"ball"}, {4}}};
  s.has_prediction = true;
  s.pred_classes = {"man", "leaf", "dog"};
  s.pred_boxes.assign(3, std::vector<std::optional<Box>>(10));
  s.pred_boxes[0][2] = Box{10, 10, 50, 80};
  AnetOptions o;
  o.lemma = [](const std::string& w) { return w == "leaves" ? std::string("leaf") : w; };
  o.predicted_segments = 2;  // one more predicted segment, without annotations
  auto all = score_anet({s}, o);
  // Precision: man 1, leaf ignored (the lemma of the unannotated "leaves"), dog 0 -> classes {man, ball}: (1 + 0) / 2.
  EXPECT_DOUBLE_EQ(all.precision, 0.5);
  // Recall: man 1, ball 0 -> (1 + 0) / 2.
  EXPECT_DOUBLE_EQ(all.recall, 0.5);
  // Per sentence: P 1/2, R 1/2, F1 1/2, divided by 2 predicted segments.
  EXPECT_DOUBLE_EQ(all.f1_per_sent, 0.25);
  o.corrected = true;
  EXPECT_DOUBLE_EQ(score_anet({s}, o).f1_per_sent, 0.5);
  o.corrected = false;
  o.loc = true;
  auto loc = score_anet({s}, o);
  EXPECT_DOUBLE_EQ(loc.precision, 0.5);       // man 1 over 2 classes; dog skipped
  EXPECT_DOUBLE_EQ(loc.recall_per_sent, 0.5); // man 1 (ball not predicted: skipped) over 2 segments
}

TEST(Pointing, CentreInsideTheBoxBordersIncluded) {
  PointingClip c;
  c.id = "y";
  c.frames = {100, 110, 120};
  c.gt = {{{0, 0, 10, 10}}, {}, {{0, 0, 10, 10}}};
  c.has_prediction = true;
  c.pred_frames = {98, 102, 121};
  c.pred = {{{0, 0, 20, 20}}, {{50, 50, 60, 60}}, {{std::nan(""), 0, 1, 1}}};
  auto s = score_pointing({c});
  // Frame 100: nearest 98 and 102 tie, the first (98) wins: centre (10, 10) on the border -> correct.
  // Frame 120: NaN -> wrong. Frame 110 has no box: skipped.
  EXPECT_EQ(s.correct, 1);
  EXPECT_EQ(s.valid, 2);
  EXPECT_DOUBLE_EQ(s.accuracy, 50.0);
}
