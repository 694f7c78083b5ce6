// COCO AP50 on constructed cases whose answers are derived by hand from COCOeval's steps (see coco_ap.h): the
// 101 recall thresholds r = 0, 0.01, ..., 1 read the precision made monotone from the right, so a curve that
// reaches recall R with precision P contributes P at every threshold <= R.
#include <gtest/gtest.h>

#include "eval/coco_ap.h"

using grove::eval::coco_ap;
using grove::eval::CocoBox;
using grove::eval::CocoDet;
using grove::eval::CocoGt;
using grove::eval::CocoImage;

namespace {

CocoGt gt(double x, double y, double w, double h) { return CocoGt{{x, y, w, h}, w * h, false}; }
CocoDet det(double x, double y, double w, double h, double score = 1.0) { return CocoDet{{x, y, w, h}, score}; }

}  // namespace

TEST(CocoAp, PerfectDetectionsGiveOne) {
  std::vector<CocoImage> im = {{"v_0", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}}, {"v_1", {gt(5, 5, 10, 10)}, {det(5, 5, 10, 10)}}};
  EXPECT_DOUBLE_EQ(coco_ap(im), 1.0);
}

TEST(CocoAp, IouWithoutThePlusOneConvention) {
  // [0,0,10,10] against [5,0,10,10]: 50 / 150.
  EXPECT_DOUBLE_EQ(grove::eval::coco_iou({0, 0, 10, 10}, {5, 0, 10, 10}, false), 50.0 / 150.0);
  // Touching boxes do not overlap.
  EXPECT_DOUBLE_EQ(grove::eval::coco_iou({0, 0, 10, 10}, {10, 0, 10, 10}, false), 0.0);
}

TEST(CocoAp, FramesAreVisitedInLexicographicOrder) {
  // "v_10" sorts before "v_2": its false positive comes first. FP then TP with 2 ground-truth boxes: recall 0 then
  // 0.5 at precision 0.5 -> 0.5 at the 51 thresholds 0..0.5. In numeric order (TP first) it would be 51/101.
  std::vector<CocoImage> im = {{"v_2", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}},
                               {"v_10", {gt(0, 0, 10, 10)}, {det(50, 50, 10, 10)}}};
  EXPECT_NEAR(coco_ap(im), 51 * 0.5 / 101, 1e-12);
  std::vector<CocoImage> numeric = {{"v_02", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}},
                                    {"v_10", {gt(0, 0, 10, 10)}, {det(50, 50, 10, 10)}}};
  EXPECT_NEAR(coco_ap(numeric), 51.0 / 101, 1e-12);
}

TEST(CocoAp, EqualScoresKeepTheirInputOrder) {
  // One frame, two ground-truth boxes, a miss listed before a hit: FP, TP -> 51 * 0.5 / 101; the other way round
  // TP, FP -> 51 / 101.
  std::vector<CocoImage> miss_first = {{"f", {gt(0, 0, 10, 10), gt(100, 0, 10, 10)}, {det(50, 50, 5, 5), det(0, 0, 10, 10)}}};
  EXPECT_NEAR(coco_ap(miss_first), 51 * 0.5 / 101, 1e-12);
  std::vector<CocoImage> hit_first = {{"f", {gt(0, 0, 10, 10), gt(100, 0, 10, 10)}, {det(0, 0, 10, 10), det(50, 50, 5, 5)}}};
  EXPECT_NEAR(coco_ap(hit_first), 51.0 / 101, 1e-12);
  // A higher score goes first whatever the input order.
  std::vector<CocoImage> scored = {{"f", {gt(0, 0, 10, 10), gt(100, 0, 10, 10)}, {det(50, 50, 5, 5, 0.2), det(0, 0, 10, 10, 0.9)}}};
  EXPECT_NEAR(coco_ap(scored), 51.0 / 101, 1e-12);
}

TEST(CocoAp, AGroundTruthTieGoesToTheLaterBox) {
  // det1 overlaps G1 and G2 with IoU 0.6 each and takes G2 (the later one); det2 overlaps only G2 (IoU 1, G1 1/3),
  // finds it taken and is a false positive: TP, FP with 2 ground truth -> 51 / 101 (not 1.0).
  std::vector<CocoImage> im = {{"f", {gt(0, 0, 10, 10), gt(5, 0, 10, 10)}, {det(2.5, 0, 10, 10), det(5, 0, 10, 10)}}};
  EXPECT_NEAR(coco_ap(im), 51.0 / 101, 1e-12);
}

TEST(CocoAp, EmptyFramesChangeNothing) {
  std::vector<CocoImage> im = {{"a", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}}, {"b", {gt(0, 0, 10, 10), gt(40, 0, 10, 10)}, {det(50, 50, 5, 5)}}};
  const double base = coco_ap(im);
  im.push_back({"a0", {}, {}});
  im.push_back({"c", {}, {}});
  EXPECT_DOUBLE_EQ(coco_ap(im), base);
  // TP, FP with 3 ground truth: recall 1/3 at precision 1 -> thresholds 0..0.33 (34 of them).
  EXPECT_NEAR(base, 34.0 / 101, 1e-12);
}

TEST(CocoAp, FramesWithoutGroundTruthAddFalsePositives) {
  // "a" has no ground truth: its detection is a false positive and comes first -> FP, TP: 0.5 everywhere.
  std::vector<CocoImage> fp_first = {{"a", {}, {det(0, 0, 10, 10)}}, {"b", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}}};
  EXPECT_NEAR(coco_ap(fp_first), 0.5, 1e-12);
  // After the hit it lowers no threshold: TP at recall 1 with precision 1 reads 1 everywhere.
  std::vector<CocoImage> fp_last = {{"a", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10)}}, {"b", {}, {det(0, 0, 10, 10)}}};
  EXPECT_NEAR(coco_ap(fp_last), 1.0, 1e-12);
}

TEST(CocoAp, NoDetectionsGiveZeroAndNoGroundTruthGivesMinusOne) {
  std::vector<CocoImage> no_det = {{"a", {gt(0, 0, 10, 10)}, {}}, {"b", {}, {}}};
  EXPECT_DOUBLE_EQ(coco_ap(no_det), 0.0);
  std::vector<CocoImage> no_gt = {{"a", {}, {det(0, 0, 10, 10)}}};
  EXPECT_DOUBLE_EQ(coco_ap(no_gt), -1.0);
  EXPECT_DOUBLE_EQ(coco_ap({{"a", {}, {}}}), -1.0);
  EXPECT_DOUBLE_EQ(coco_ap({}), -1.0);
}

TEST(CocoAp, HundredOnePointInterpolation) {
  // 3 ground truth; TP, FP, TP: recall 1/3, 1/3, 2/3, precision 1, 1/2, 2/3 -> monotone 1, 2/3, 2/3. Thresholds
  // 0..0.33 read 1 (34), 0.34..0.66 read 2/3 (33), the rest 0: (34 + 22) / 101.
  std::vector<CocoImage> im = {{"a", {gt(0, 0, 10, 10), gt(20, 0, 10, 10), gt(40, 0, 10, 10)},
                                {det(0, 0, 10, 10), det(100, 100, 5, 5), det(20, 0, 10, 10)}}};
  EXPECT_NEAR(coco_ap(im), 56.0 / 101, 1e-12);
}

TEST(CocoAp, IouThresholdIsInclusive) {
  // IoU exactly 0.5 matches (COCOeval skips only IoU < threshold): [0,0,10,10] vs [0,0,10,5] is 50/100.
  std::vector<CocoImage> im = {{"a", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 5)}}};
  EXPECT_DOUBLE_EQ(coco_ap(im), 1.0);
  std::vector<CocoImage> below = {{"a", {gt(0, 0, 10, 10)}, {det(0, 0, 10, 4.9)}}};
  EXPECT_DOUBLE_EQ(coco_ap(below), 0.0);
}

TEST(CocoAp, DetectionsPastMaxDetsAreCut) {
  // 100 misses, then the hit: the hit is the 101st and is cut, AP 0.
  CocoImage im{"a", {gt(0, 0, 10, 10)}, {}};
  for (int i = 0; i < 100; ++i) im.det.push_back(det(1000 + i, 1000, 5, 5));
  im.det.push_back(det(0, 0, 10, 10));
  EXPECT_DOUBLE_EQ(coco_ap({im}), 0.0);
}

TEST(CocoAp, NegativeAreaGroundTruthIsIgnored) {
  // An inverted box has a negative area: outside the area range, so it is ignored and does not count in npig.
  std::vector<CocoImage> im = {{"a", {gt(0, 0, 10, 10), CocoGt{{50, 50, -5, 5}, -25, false}}, {det(0, 0, 10, 10)}}};
  EXPECT_DOUBLE_EQ(coco_ap(im), 1.0);
}
