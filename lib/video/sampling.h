// Which native frames a clip uses — the original's rules, as pure functions (reference/training.md §3.5,
// model.md §4.2): the 5 fps grid, segment sampling over it (centre for validation and inference, seeded random for
// training), and the grid a sample record's annotations are aligned to.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.h"

namespace grove::video {

// The grid step int(fps/5); 1 when fps < 10 (the original's int(fps/5) is 0 below 5 fps and would not advance).
int64_t grid_step(double fps);

// start, start+step, ..., up to end inclusive, with step = grid_step(fps).
std::vector<int64_t> fps5_grid(double fps, int64_t start, int64_t end);

enum class Sampling { Center, Random };

// Positions (into a grid of length t) of n segment samples: segment s spans [s*(t/n), next start) and the last
// one absorbs the remainder; Center takes (start+end)/2, Random a uniform position in [start, end) drawn from a
// generator seeded by (seed, key) so the choice does not depend on order or parallelism. When t < n, all t
// positions are returned (the original fails there; grove uses every frame the clip has).
std::vector<size_t> segment_positions(size_t t, size_t n, Sampling sampling, uint64_t seed, const std::string& key);

// The native frame indices that a sample record's annotation entries (bboxes/labels) refer to: its
// "frame_indices" when present, else the 5 fps grid of [clip_start_frame, clip_end_frame] — dropping the end
// frame when that grid is one entry longer than the annotations, as the original's loader does.
std::vector<int64_t> sample_frame_indices(const io::Record& sample);

}  // namespace grove::video
