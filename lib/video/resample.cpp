#include "video/resample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.h"

namespace grove::video {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed point for 8-bit images

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// The taps of one output sample: the first input index and the fixed-point weights.
struct Taps {
  int first = 0;
  std::vector<int32_t> weights;
};

std::vector<Taps> coefficients(int in_size, int out_size, PilFilter filter) {
  double (*kernel)(double) = filter == PilFilter::Bilinear ? bilinear : bicubic;
  const double support_base = filter == PilFilter::Bilinear ? 1.0 : 2.0;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support_base * filterscale;
  std::vector<Taps> out(out_size);
  std::vector<double> w;
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    int lo = static_cast<int>(center - support + 0.5), hi = static_cast<int>(center + support + 0.5);
    lo = std::max(lo, 0);
    hi = std::min(hi, in_size);
    w.assign(hi - lo, 0.0);
    double sum = 0;
    for (int x = 0; x < hi - lo; ++x) sum += w[x] = kernel((x + lo - center + 0.5) / filterscale);
    Taps& t = out[o];
    t.first = lo;
    for (double v : w) {
      if (sum != 0.0) v /= sum;
      t.weights.push_back(static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits)));
    }
  }
  return out;
}

uint8_t clip8(int64_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

// One pass along rows (horizontal) or columns (vertical) of an RGB image; rows [row0, row0 + rows) of the input
// for the horizontal pass (PIL resamples only the rows the vertical pass will read).
RgbImage horizontal(const RgbImage& in, int width, const std::vector<Taps>& taps, int row0, int rows) {
  RgbImage out{width, rows, std::vector<uint8_t>(static_cast<size_t>(width) * rows * 3)};
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = &in.rgb[static_cast<size_t>(y + row0) * in.width * 3];
    uint8_t* dst = &out.rgb[static_cast<size_t>(y) * width * 3];
    for (int x = 0; x < width; ++x) {
      const Taps& t = taps[x];
      int64_t s[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (size_t k = 0; k < t.weights.size(); ++k)
        for (int c = 0; c < 3; ++c) s[c] += static_cast<int64_t>(src[(t.first + k) * 3 + c]) * t.weights[k];
      for (int c = 0; c < 3; ++c) dst[x * 3 + c] = clip8(s[c]);
    }
  }
  return out;
}

RgbImage vertical(const RgbImage& in, int height, const std::vector<Taps>& taps, int row0) {
  const int w = in.width;
  RgbImage out{w, height, std::vector<uint8_t>(static_cast<size_t>(w) * height * 3)};
  for (int y = 0; y < height; ++y) {
    const Taps& t = taps[y];
    uint8_t* dst = &out.rgb[static_cast<size_t>(y) * w * 3];
    for (int x = 0; x < w * 3; ++x) {
      int64_t s = 1 << (kPrecisionBits - 1);
      for (size_t k = 0; k < t.weights.size(); ++k)
        s += static_cast<int64_t>(in.rgb[(static_cast<size_t>(t.first - row0 + k) * w) * 3 + x]) * t.weights[k];
      dst[x] = clip8(s);
    }
  }
  return out;
}

}  // namespace

RgbImage pil_resize(const RgbImage& in, int width, int height, PilFilter filter) {
  if (width <= 0 || height <= 0 || in.width <= 0 || in.height <= 0)
    throw Error("resize", "cannot resize " + std::to_string(in.width) + "x" + std::to_string(in.height) + " to " +
                              std::to_string(width) + "x" + std::to_string(height));
  if (in.rgb.size() != static_cast<size_t>(in.width) * in.height * 3)
    throw Error("resize", "image buffer does not hold " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                              " RGB pixels");
  const bool need_h = width != in.width, need_v = height != in.height;
  if (!need_h && !need_v) return in;
  const std::vector<Taps> vt = coefficients(in.height, height, filter);
  if (!need_h) return vertical(in, height, vt, 0);
  const std::vector<Taps> ht = coefficients(in.width, width, filter);
  // The rows the vertical pass reads: from the first output row's first tap to the last one's last.
  const int row0 = vt.front().first;
  const int row1 = vt.back().first + static_cast<int>(vt.back().weights.size());
  if (!need_v) return horizontal(in, width, ht, 0, in.height);
  return vertical(horizontal(in, width, ht, row0, row1 - row0), height, vt, row0);
}

RgbImage clip_view(const RgbImage& frame, int size) {
  // transformers' get_resize_output_image_size: the width is the short side when width <= height.
  int w = size, h = size;
  if (frame.width <= frame.height)
    h = static_cast<int>(static_cast<double>(size) * frame.height / frame.width);
  else
    w = static_cast<int>(static_cast<double>(size) * frame.width / frame.height);
  RgbImage r = pil_resize(frame, w, h, PilFilter::Bicubic);
  if (r.width < size || r.height < size) throw Error("clip view", "resized frame smaller than the crop");
  const int top = (r.height - size) / 2, left = (r.width - size) / 2;
  RgbImage out{size, size, std::vector<uint8_t>(static_cast<size_t>(size) * size * 3)};
  for (int y = 0; y < size; ++y)
    std::copy_n(&r.rgb[(static_cast<size_t>(y + top) * r.width + left) * 3], size * 3,
                &out.rgb[static_cast<size_t>(y) * size * 3]);
  return out;
}

std::pair<int, int> sam_view_size(int width, int height, int size) {
  const double scale = size * 1.0 / std::max(width, height);
  return {static_cast<int>(width * scale + 0.5), static_cast<int>(height * scale + 0.5)};
}

RgbImage sam_view(const RgbImage& frame, int size) {
  const auto [w, h] = sam_view_size(frame.width, frame.height, size);
  return pil_resize(frame, w, h, PilFilter::Bilinear);
}

}  // namespace grove::video
