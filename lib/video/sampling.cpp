#include "video/sampling.h"

#include <random>

#include "core/error.h"

namespace grove::video {

int64_t grid_step(double fps) {
  auto step = static_cast<int64_t>(fps / 5.0);
  return step < 1 ? 1 : step;
}

std::vector<int64_t> fps5_grid(double fps, int64_t start, int64_t end) {
  std::vector<int64_t> out;
  const int64_t step = grid_step(fps);
  for (int64_t f = start; f <= end; f += step) out.push_back(f);
  return out;
}

std::vector<size_t> segment_positions(size_t t, size_t n, Sampling sampling, uint64_t seed, const std::string& key) {
  std::vector<size_t> out;
  if (t == 0 || n == 0) return out;
  if (t < n) {
    for (size_t i = 0; i < t; ++i) out.push_back(i);
    return out;
  }
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the key, mixed with the seed
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  std::mt19937_64 rng(seed ^ h);
  const size_t seg = t / n;
  for (size_t s = 0; s < n; ++s) {
    size_t start = s * seg, end = s + 1 < n ? (s + 1) * seg : t;
    if (sampling == Sampling::Center) {
      out.push_back((start + end) / 2);
    } else {
      out.push_back(std::uniform_int_distribution<size_t>(start, end - 1)(rng));
    }
  }
  return out;
}

std::vector<int64_t> sample_frame_indices(const io::Record& sample) {
  if (sample.contains("frame_indices")) return sample["frame_indices"].get<std::vector<int64_t>>();
  const int64_t start = sample.at("clip_start_frame").get<int64_t>(), end = sample.at("clip_end_frame").get<int64_t>();
  const double fps = sample.at("fps").get<double>();
  std::vector<int64_t> grid = fps5_grid(fps, start, end);
  size_t entries = sample.contains("bboxes") ? sample["bboxes"].size() : 0;
  if (entries > 0 && grid.size() > entries) grid = fps5_grid(fps, start, end - 1);  // range(start, end, rate)
  return grid;
}

}  // namespace grove::video
