// How a clip's frames are covered by the model's fixed-size windows at inference (reference/model.md 4.9): the
// original's sliding_segment_with_mask, the caption window in its middle, and grove's rule for clips shorter than
// one window, where the original breaks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace grove::video {

struct Window {
  std::vector<int64_t> positions;  // window slot -> position in the clip's frame list (ascending)
  std::vector<bool> fresh;         // slot -> this window is the one that reports that frame
};

struct WindowPlan {
  std::vector<Window> windows;
  size_t caption_window = 0;  // the window the caption is generated from
};

// t frames in windows of n (n = 8 in GROVE). For t >= n, the original's scheme: s = t / n main windows
// {i*s + o : i < n} for o < s, then t % n remainder windows {i*s + s + o : i < n} that are fresh only where a frame
// has not been seen; the caption window is the middle main window, (s - 1) / 2. Together the fresh slots cover every
// frame exactly once. For 0 < t < n (grove's rule): one window whose slot k shows frame k * t / n (each frame
// repeated, in order), fresh at each frame's first slot. t = 0 gives no windows.
WindowPlan plan_windows(int64_t t, int64_t n);

}  // namespace grove::video
