// Synthetic grounded videos (the embedded default's data): short clips of coloured shapes that move, appear,
// disappear and pass in front of one another, with a caption that tags every object's phrase and, for every
// frame on the 5 fps grid, the box of each object that shows at least a few pixels (its visible pixels' extent,
// occlusion included). Everything follows from (seed, index), so a dataset is reproducible anywhere.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.h"

namespace grove::synth {

struct Object {
  std::string shape, colour;     // "circle", "square", "triangle", "diamond"; "red", "green", ...
  double size;                   // radius-like extent in pixels
  double x0, y0, vx, vy;         // centre at frame 0 and velocity, pixels per frame
  int first, last;               // frames where it is in the scene (inclusive)
  int depth;                     // drawing order: higher is in front
  std::string phrase() const;    // "a red circle"
  std::string motion() const;    // "stays still", "moves left", "moves down and right", ...
};

struct Scene {
  int width = 320, height = 240, fps = 25, frames = 100;
  std::vector<Object> objects;
  uint8_t background[3] = {0, 0, 0};
};

// The seed of a split's scenes: each split (train, val, test, ...) of a dataset drawn with SEED has its own.
uint64_t split_seed(uint64_t seed, const std::string& split);

// The scene of clip INDEX of a dataset drawn with SEED (a split_seed): 1 to 3 objects, 4 s at 25 fps.
Scene make_scene(uint64_t seed, uint64_t index);

// Frame F as RGB24 (height rows of width triplets); ids, when given, receives the index of the object drawn at each
// pixel (-1: background).
std::vector<uint8_t> render(const Scene& s, int frame, std::vector<int>* ids = nullptr);

// The caption, e.g. "a red circle moves left while a blue square appears and moves down.", and the same with each
// object's phrase tagged (<p>a red circle</p>); phrases in caption order.
struct Caption {
  std::string text, tagged;
  std::vector<std::string> phrases;
};
Caption describe(const Scene& s);

// The sample record (grove-stream(5)) of the scene saved as VIDEO_FNAME: boxes of visible objects (at least
// min_pixels pixels) on the 5 fps grid, labelled by phrase.
io::Record sample_record(const Scene& s, const std::string& id, const std::string& video_fname, int min_pixels = 20);

}  // namespace grove::synth
