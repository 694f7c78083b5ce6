// Frame resizing as the original's Python libraries compute it (reference/model.md section 4.3): PIL's separable
// convolution resampling on 8-bit images (horizontal pass first, coefficients in 22-bit fixed point, the
// intermediate rows rounded and clipped to 8 bits; the filter widens with the scale when shrinking, which is PIL's
// antialiasing), and the two views GROVE's encoders take of a frame. FFmpeg's swscale computes different values.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace grove::video {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triplets
};

enum class PilFilter { Bilinear, Bicubic };

// PIL's Image.resize((width, height), filter) with the default box and no reducing_gap.
RgbImage pil_resize(const RgbImage& in, int width, int height, PilFilter filter);

// CLIPImageProcessor's view: the shortest side resized to SIZE with bicubic (the other side int(SIZE * long /
// short)), then the centre SIZE x SIZE crop (offsets floor((side - SIZE) / 2)).
RgbImage clip_view(const RgbImage& frame, int size);

// SAM's ResizeLongestSide view: both sides scaled by SIZE / longest with bilinear, each int(side * scale + 0.5).
// Not padded: the normalisation pads (model::sam_normalize).
RgbImage sam_view(const RgbImage& frame, int size);
// The size sam_view gives a WIDTH x HEIGHT frame: (width, height).
std::pair<int, int> sam_view_size(int width, int height, int size);

}  // namespace grove::video
