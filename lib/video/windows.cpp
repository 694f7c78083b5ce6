// See windows.h.
#include "video/windows.h"

#include <set>

namespace grove::video {

WindowPlan plan_windows(int64_t t, int64_t n) {
  WindowPlan plan;
  if (t <= 0 || n <= 0) return plan;
  if (t < n) {
    Window w;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t frame = k * t / n;
      w.fresh.push_back(w.positions.empty() || w.positions.back() != frame);
      w.positions.push_back(frame);
    }
    plan.windows.push_back(std::move(w));
    return plan;
  }
  const int64_t s = t / n, r = t % n;
  std::set<int64_t> seen;
  auto add = [&](int64_t first) {
    Window w;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = i * s + first;
      w.positions.push_back(p);
      w.fresh.push_back(!seen.count(p));
    }
    seen.insert(w.positions.begin(), w.positions.end());
    plan.windows.push_back(std::move(w));
  };
  for (int64_t o = 0; o < s; ++o) add(o);
  for (int64_t o = 0; o < r; ++o) add(s + o);
  plan.caption_window = static_cast<size_t>((s - 1) / 2);
  return plan;
}

}  // namespace grove::video
