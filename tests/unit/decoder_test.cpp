#include "video/decoder.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "test_util.h"

using grove::video::VideoDecoder;

namespace {
// A 300-frame h264 video with a keyframe every 10 frames and B-frames, made once with the ffmpeg CLI.
const std::string& gop10_video() {
  static grove::test::TempDir dir;
  static std::string path = dir / "gop10.mp4";
  static bool made = std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=30:duration=10 -c:v libx264 "
                                  "-pix_fmt yuv420p -g 10 -keyint_min 10 -sc_threshold 0 -bf 2 " + path).c_str()) == 0;
  EXPECT_TRUE(made) << "ffmpeg could not make the test video";
  return path;
}
}  // namespace

TEST(VideoDecoder, ReportsWhatTheFileHolds) {
  VideoDecoder d(gop10_video());
  EXPECT_EQ(d.info().frame_count, 300);
  EXPECT_DOUBLE_EQ(d.info().fps, 30.0);
  EXPECT_EQ(d.info().width, 96);
  EXPECT_EQ(d.info().height, 64);
  EXPECT_EQ(d.info().codec, "h264");
}

TEST(VideoDecoder, SeeksToTheKeyframeBeforeAFarFrameAndGetsTheSamePixels) {
  VideoDecoder seek(gop10_video());
  auto sparse = seek.read({5, 157, 288});
  EXPECT_GE(seek.seeks(), 2);
  EXPECT_LT(seek.frames_decoded(), 60) << "seeking should skip most of the 300 frames";

  VideoDecoder forward(gop10_video());
  std::vector<int64_t> all(300);
  for (int i = 0; i < 300; ++i) all[i] = i;
  auto every = forward.read(all);
  ASSERT_EQ(every.size(), 300u);
  EXPECT_EQ(forward.seeks(), 0);
  ASSERT_EQ(sparse.size(), 3u);
  for (const auto& f : sparse) {
    EXPECT_EQ(f.rgb, every[f.index].rgb) << "frame " << f.index;
    EXPECT_NEAR(f.timestamp, f.index / 30.0, 1e-9);
  }
}

TEST(VideoDecoder, FramesWithinOneGopAreDecodedForwardWithoutSeeking) {
  VideoDecoder d(gop10_video());
  auto f = d.read({1, 3, 8});
  EXPECT_EQ(d.seeks(), 0);
  EXPECT_EQ(f.size(), 3u);
}

TEST(VideoDecoder, AFramePastTheEndIsAnErrorNamingTheFile) {
  VideoDecoder d(gop10_video());
  try {
    d.read({299, 300});
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where(), gop10_video());
    EXPECT_EQ(e.message(), "frame 300 is past the end of the video (300 frames)");
  }
}

TEST(VideoDecoder, ReadCanBeCalledAgain) {
  VideoDecoder d(gop10_video());
  auto a = d.read({100});
  auto b = d.read({100});
  EXPECT_EQ(a.at(0).rgb, b.at(0).rgb);
}
