// See scene.h.
#include "synth/scene.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "video/sampling.h"

namespace grove::synth {

namespace {

struct Colour {
  const char* name;
  uint8_t rgb[3];
};
const Colour kColours[] = {{"red", {220, 40, 40}},   {"green", {40, 190, 60}},  {"blue", {50, 80, 230}},
                           {"yellow", {235, 220, 40}}, {"purple", {150, 60, 200}}, {"orange", {245, 140, 30}}};
const char* const kShapes[] = {"circle", "square", "triangle", "diamond"};

bool inside(const Object& o, double cx, double cy, double x, double y) {
  const double dx = x - cx, dy = y - cy, r = o.size;
  if (o.shape == "circle") return dx * dx + dy * dy <= r * r;
  if (o.shape == "square") return std::abs(dx) <= r && std::abs(dy) <= r;
  if (o.shape == "diamond") return std::abs(dx) + std::abs(dy) <= r;
  // triangle, apex up: y from -r to r, half-width grows linearly
  if (dy < -r || dy > r) return false;
  return std::abs(dx) <= (dy + r) / 2;
}

}  // namespace

std::string Object::phrase() const {
  const bool vowel = !colour.empty() && std::string("aeiou").find(colour[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + colour + " " + shape;
}

std::string Object::motion() const {
  const double speed = std::hypot(vx, vy);
  if (speed < 0.3) return "stays still";
  std::string h = std::abs(vx) >= 0.3 ? (vx > 0 ? "right" : "left") : "";
  std::string v = std::abs(vy) >= 0.3 ? (vy > 0 ? "down" : "up") : "";
  if (!h.empty() && !v.empty()) return "moves " + v + " and " + h;
  // Slow on both axes but not still: the faster one names the direction.
  if (h.empty() && v.empty()) return std::abs(vx) >= std::abs(vy) ? (vx > 0 ? "moves right" : "moves left")
                                                                    : (vy > 0 ? "moves down" : "moves up");
  return "moves " + (h.empty() ? v : h);
}

uint64_t split_seed(uint64_t seed, const std::string& split) {
  for (unsigned char c : split) seed = seed * 1099511628211ull + c;
  return seed;
}

Scene make_scene(uint64_t seed, uint64_t index) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + index * 0xBF58476D1CE4E5B9ull + 1);
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int n) { return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  Scene s;
  const int shade = pick(3);
  const uint8_t bg[3][3] = {{20, 20, 30}, {235, 235, 225}, {90, 110, 90}};
  std::copy(bg[shade], bg[shade] + 3, s.background);
  const int n = 1 + pick(3);
  std::vector<std::pair<int, int>> used;  // distinct (colour, shape) pairs, so phrases are unique
  for (int i = 0; i < n; ++i) {
    Object o;
    int c, k;
    do {
      c = pick(6);
      k = pick(4);
    } while (std::find(used.begin(), used.end(), std::make_pair(c, k)) != used.end());
    used.emplace_back(c, k);
    o.colour = kColours[c].name;
    o.shape = kShapes[k];
    o.size = uni(14, 34);
    o.x0 = uni(40, s.width - 40);
    o.y0 = uni(40, s.height - 40);
    const int still = pick(5) == 0;
    o.vx = still ? 0 : uni(-1.6, 1.6);
    o.vy = still ? 0 : uni(-1.2, 1.2);
    // Some objects enter late or leave early.
    o.first = pick(3) == 0 ? 10 + pick(40) : 0;
    o.last = pick(3) == 0 ? o.first + 30 + pick(40) : s.frames - 1;
    o.last = std::min(o.last, s.frames - 1);
    o.depth = i;
    s.objects.push_back(o);
  }
  return s;
}

std::vector<uint8_t> render(const Scene& s, int frame, std::vector<int>* ids) {
  std::vector<uint8_t> rgb(static_cast<size_t>(s.width) * s.height * 3);
  std::vector<int> owner(static_cast<size_t>(s.width) * s.height, -1);
  for (size_t p = 0; p < owner.size(); ++p) std::copy(s.background, s.background + 3, &rgb[p * 3]);
  std::vector<size_t> order(s.objects.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.objects[a].depth < s.objects[b].depth; });
  for (size_t i : order) {
    const Object& o = s.objects[i];
    if (frame < o.first || frame > o.last) continue;
    const double cx = o.x0 + o.vx * frame, cy = o.y0 + o.vy * frame;
    const int x1 = std::max(0, static_cast<int>(cx - o.size - 1)), x2 = std::min(s.width - 1, static_cast<int>(cx + o.size + 1));
    const int y1 = std::max(0, static_cast<int>(cy - o.size - 1)), y2 = std::min(s.height - 1, static_cast<int>(cy + o.size + 1));
    for (int y = y1; y <= y2; ++y)
      for (int x = x1; x <= x2; ++x)
        if (inside(o, cx, cy, x + 0.5, y + 0.5)) {
          const size_t p = static_cast<size_t>(y) * s.width + x;
          const Colour& c = *std::find_if(std::begin(kColours), std::end(kColours),
                                          [&](const Colour& k) { return o.colour == k.name; });
          std::copy(c.rgb, c.rgb + 3, &rgb[p * 3]);
          owner[p] = static_cast<int>(i);
        }
  }
  if (ids) *ids = std::move(owner);
  return rgb;
}

Caption describe(const Scene& s) {
  // Objects in order of appearance, then left to right.
  std::vector<size_t> order(s.objects.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto &x = s.objects[a], &y = s.objects[b];
    return x.first != y.first ? x.first < y.first : x.x0 < y.x0;
  });
  Caption c;
  for (size_t k = 0; k < order.size(); ++k) {
    const Object& o = s.objects[order[k]];
    std::string verb = o.motion();
    if (o.first > 0) verb = "appears and " + verb;
    if (o.last < s.frames - 1) verb += " then disappears";
    const std::string sep = k == 0 ? "" : k + 1 == order.size() ? " and " : ", ";
    c.text += sep + o.phrase() + " " + verb;
    c.tagged += sep + "<p>" + o.phrase() + "</p> " + verb;
    c.phrases.push_back(o.phrase());
  }
  c.text += ".";
  c.tagged += ".";
  return c;
}

io::Record sample_record(const Scene& s, const std::string& id, const std::string& video_fname, int min_pixels) {
  const Caption cap = describe(s);
  io::Record r = {{"type", "sample"}, {"id", id}, {"video_id", id}, {"clip_id", 0}, {"video_fname", video_fname},
                  {"fps", static_cast<double>(s.fps)}, {"clip_start_frame", 0}, {"clip_end_frame", s.frames - 1},
                  {"width", s.width}, {"height", s.height}, {"caption", cap.text}, {"tagged_caption", cap.tagged},
                  {"phrases", cap.phrases}};
  io::Record boxes = io::Record::array(), labels = io::Record::array(), frames = io::Record::array();
  for (int64_t f : video::fps5_grid(s.fps, 0, s.frames - 1)) {
    std::vector<int> owner;
    render(s, static_cast<int>(f), &owner);
    io::Record fb = io::Record::array(), fl = io::Record::array();
    for (size_t i = 0; i < s.objects.size(); ++i) {
      int n = 0, x1 = s.width, y1 = s.height, x2 = -1, y2 = -1;
      for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x)
          if (owner[static_cast<size_t>(y) * s.width + x] == static_cast<int>(i)) {
            ++n;
            x1 = std::min(x1, x), y1 = std::min(y1, y), x2 = std::max(x2, x + 1), y2 = std::max(y2, y + 1);
          }
      if (n < min_pixels) continue;
      fb.push_back({static_cast<double>(x1), static_cast<double>(y1), static_cast<double>(x2), static_cast<double>(y2)});
      fl.push_back(s.objects[i].phrase());
    }
    boxes.push_back(std::move(fb));
    labels.push_back(std::move(fl));
    frames.push_back(static_cast<uint64_t>(f));
  }
  r["bboxes"] = std::move(boxes);
  r["labels"] = std::move(labels);
  r["frame_indices"] = std::move(frames);
  r["dataset"] = "grove-synth";
  return r;
}

}  // namespace grove::synth
