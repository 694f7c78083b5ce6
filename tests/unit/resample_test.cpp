// video::pil_resize against PIL's own output (tests/data/video/pil_resize.safetensors, made by
// make_pil_resize.py with Debian's python3-pil): every byte equal, shrinking and enlarging, both filters, either
// pass alone. The golden preprocessing fixture checks the two encoder views end to end (golden_test.cpp).
#include "video/resample.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "test_util.h"

using namespace grove;

namespace {

video::RgbImage image(const io::TensorView& t) {
  video::RgbImage im{static_cast<int>(t.shape.at(1)), static_cast<int>(t.shape.at(0)), {}};
  im.rgb.assign(t.data, t.data + t.nbytes);
  return im;
}

}  // namespace

TEST(Resample, EqualsPilByteForByte) {
  io::SafetensorsFile f(test::source_path("tests/data/video/pil_resize.safetensors"));
  auto cases = nlohmann::json::parse(f.metadata().at("cases"));
  ASSERT_GT(cases.size(), 5u);
  for (size_t k = 0; k < cases.size(); ++k) {
    const std::string filter = cases[k][0];
    const int w = cases[k][1], h = cases[k][2];
    video::RgbImage in = image(f.get("case" + std::to_string(k) + ".in"));
    video::RgbImage want = image(f.get("case" + std::to_string(k) + ".out"));
    video::RgbImage got =
        video::pil_resize(in, w, h, filter == "bicubic" ? video::PilFilter::Bicubic : video::PilFilter::Bilinear);
    ASSERT_EQ(got.width, want.width);
    ASSERT_EQ(got.height, want.height);
    size_t differ = 0;
    for (size_t i = 0; i < got.rgb.size(); ++i) differ += got.rgb[i] != want.rgb[i];
    EXPECT_EQ(differ, 0u) << "case " << k << ": " << filter << " " << in.width << "x" << in.height << " -> " << w
                          << "x" << h;
  }
}

TEST(Resample, ViewsHaveTheOriginalsSizes) {
  video::RgbImage frame{455, 256, std::vector<uint8_t>(455 * 256 * 3, 7)};
  video::RgbImage clip = video::clip_view(frame, 336);
  EXPECT_EQ(clip.width, 336);
  EXPECT_EQ(clip.height, 336);
  video::RgbImage sam = video::sam_view(frame, 512);
  EXPECT_EQ(sam.width, 512);
  EXPECT_EQ(sam.height, 288);  // int(256 * 512 / 455 + 0.5)
  video::RgbImage tall{173, 301, std::vector<uint8_t>(173 * 301 * 3, 7)};
  EXPECT_EQ(video::sam_view(tall, 512).width, 294);  // int(173 * 512 / 301 + 0.5) = int(294.26...)
  // A constant image stays constant through either filter (the weights sum to one in fixed point).
  for (uint8_t v : clip.rgb) ASSERT_EQ(v, 7);
  for (uint8_t v : sam.rgb) ASSERT_EQ(v, 7);
}

TEST(Resample, RefusesEmptyAndInconsistentImages) {
  video::RgbImage bad{4, 4, std::vector<uint8_t>(10)};
  EXPECT_ANY_THROW(video::pil_resize(bad, 2, 2, video::PilFilter::Bilinear));
  video::RgbImage ok{4, 4, std::vector<uint8_t>(48)};
  EXPECT_ANY_THROW(video::pil_resize(ok, 0, 2, video::PilFilter::Bilinear));
}
