#include "video/sampling.h"

#include <gtest/gtest.h>

using namespace grove::video;

TEST(Sampling, GridStepIsIntFpsOverFive) {
  EXPECT_EQ(fps5_grid(30, 0, 30), (std::vector<int64_t>{0, 6, 12, 18, 24, 30}));
  EXPECT_EQ(fps5_grid(29.97, 100, 115), (std::vector<int64_t>{100, 105, 110, 115}));  // int(5.994) = 5
  EXPECT_EQ(fps5_grid(25, 3, 12), (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(fps5_grid(5, 0, 3), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(fps5_grid(2.5, 0, 2), (std::vector<int64_t>{0, 1, 2}));  // every frame below 5 fps
  EXPECT_EQ(fps5_grid(60, 0, 239).size(), 20u);
}

TEST(Sampling, CenterOfEightSegmentsMatchesTheOriginal) {
  // T = 40: seg = 5, starts 0,5,...,35, ends 5,...,35,40 -> mids (s+e)//2.
  EXPECT_EQ(segment_positions(40, 8, Sampling::Center, 0, "x"), (std::vector<size_t>{2, 7, 12, 17, 22, 27, 32, 37}));
  // T = 43: the last segment absorbs the remainder: [35, 43) -> 39.
  EXPECT_EQ(segment_positions(43, 8, Sampling::Center, 0, "x").back(), 39u);
  // T < n: every position once.
  EXPECT_EQ(segment_positions(5, 8, Sampling::Center, 0, "x"), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(segment_positions(0, 8, Sampling::Center, 0, "x").empty());
}

TEST(Sampling, RandomStaysInItsSegmentAndDependsOnlyOnSeedAndKey) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto p = segment_positions(43, 8, Sampling::Random, seed, "clip");
    ASSERT_EQ(p.size(), 8u);
    for (size_t s = 0; s < 8; ++s) {
      size_t start = s * 5, end = s < 7 ? (s + 1) * 5 : 43;
      EXPECT_GE(p[s], start);
      EXPECT_LT(p[s], end);
    }
    EXPECT_EQ(p, segment_positions(43, 8, Sampling::Random, seed, "clip"));
  }
  EXPECT_NE(segment_positions(400, 8, Sampling::Random, 1, "a"), segment_positions(400, 8, Sampling::Random, 1, "b"));
  EXPECT_NE(segment_positions(400, 8, Sampling::Random, 1, "a"), segment_positions(400, 8, Sampling::Random, 2, "a"));
}

TEST(Sampling, SampleGridAlignsWithItsAnnotations) {
  grove::io::Record s = {{"fps", 30.0}, {"clip_start_frame", 60}, {"clip_end_frame", 120}};
  s["bboxes"] = grove::io::Record::array();
  for (int i = 0; i < 11; ++i) s["bboxes"].push_back(grove::io::Record::array());
  EXPECT_EQ(sample_frame_indices(s).size(), 11u);  // 60, 66, ..., 120 inclusive
  s["bboxes"].erase(10);                            // one fewer entry: range(start, end, rate)
  auto g = sample_frame_indices(s);
  EXPECT_EQ(g.size(), 10u);
  EXPECT_EQ(g.back(), 114);
  s["frame_indices"] = {7, 9};
  EXPECT_EQ(sample_frame_indices(s), (std::vector<int64_t>{7, 9}));
}
