#include "video/clips.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/error.h"

namespace grove::video {

std::string FrameSelection::name() const {
  switch (mode) {
    case Mode::Fps5: return "fps5";
    case Mode::All: return "all";
    case Mode::Segments:
      return "frames" + std::to_string(segments) +
             (sampling == Sampling::Center ? "-center" : "-random-seed" + std::to_string(seed));
  }
  return "";
}

ClipRequest clip_for_video(const std::string& path) {
  return {std::filesystem::path(path).stem().string(), path, nullptr};
}

ClipRequest clip_for_sample(const io::Record& sample, const std::string& video_dir) {
  std::string fname = sample.at("video_fname").get<std::string>();
  std::string path = video_dir.empty() ? fname : (std::filesystem::path(video_dir) / fname).string();
  return {sample.at("id").get<std::string>(), path, sample};
}

std::vector<int64_t> select_frames(const ClipRequest& clip, const VideoInfo& info, const FrameSelection& sel) {
  int64_t start = 0, end = info.frame_count - 1;
  double fps = info.fps;
  std::vector<int64_t> grid;
  if (!clip.sample.is_null()) {
    start = clip.sample.at("clip_start_frame").get<int64_t>();
    end = clip.sample.at("clip_end_frame").get<int64_t>();
    fps = clip.sample.at("fps").get<double>();  // the annotation's rate defines its grid, as in the original
    if (end >= info.frame_count) {
      throw Error(clip.path, "clip window [" + std::to_string(start) + ", " + std::to_string(end) +
                                 "] of " + clip.id + " ends past the video's last frame (" +
                                 std::to_string(info.frame_count) + " frames)");
    }
    grid = sample_frame_indices(clip.sample);  // aligned with the annotation entries
  } else {
    grid = fps5_grid(fps, start, end);
  }
  switch (sel.mode) {
    case FrameSelection::Mode::Fps5: return grid;
    case FrameSelection::Mode::All: {
      std::vector<int64_t> all;
      for (int64_t f = start; f <= end; ++f) all.push_back(f);
      return all;
    }
    case FrameSelection::Mode::Segments: {
      std::vector<int64_t> out;
      for (size_t p : segment_positions(grid.size(), sel.segments, sel.sampling, sel.seed, clip.id)) {
        out.push_back(grid[p]);
      }
      return out;
    }
  }
  return grid;
}

io::Record decode_clip(const ClipRequest& clip, const DecodeOptions& options) {
  VideoDecoder decoder(clip.path, options.codec_threads);
  const VideoInfo& info = decoder.info();
  std::vector<int64_t> wanted = select_frames(clip, info, options.selection);
  if (wanted.empty()) throw Error(clip.path, "no frames to decode for " + clip.id);
  // Segment samples may repeat a frame (never with t >= n, but keep the contract): decode each frame once.
  std::vector<int64_t> unique = wanted;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  std::vector<DecodedFrame> frames = decoder.read(unique, options.max_side);

  io::Record indices = io::Record::array(), times = io::Record::array(), pixels = io::Record::array();
  std::map<int64_t, size_t> emitted;  // frame index -> its first position in the record
  for (int64_t f : wanted) {
    auto it = std::lower_bound(frames.begin(), frames.end(), f,
                               [](const DecodedFrame& d, int64_t v) { return d.index < v; });
    indices.push_back(f);
    times.push_back(it->timestamp);
    auto [at, first] = emitted.emplace(f, pixels.size());
    // Each decoded frame's pixels move into the record; only a repeated index is copied.
    pixels.push_back(first ? io::Record::binary(std::move(it->rgb)) : io::Record(pixels[at->second]));
  }
  io::Record r = {{"type", "frames"},
                  {"id", clip.id},
                  {"source", clip.path},
                  {"fps", info.fps},
                  {"width", info.width},
                  {"height", info.height},
                  {"frame_indices", std::move(indices)},
                  {"timestamps", std::move(times)},
                  {"pixel_format", "rgb24"},
                  {"pixel_width", frames.front().width},
                  {"pixel_height", frames.front().height},
                  {"pixels", std::move(pixels)}};
  if (!clip.sample.is_null()) {
    r["clip_start_frame"] = clip.sample.at("clip_start_frame");
    r["clip_end_frame"] = clip.sample.at("clip_end_frame");
  }
  r["sampling"] = options.selection.name();
  return r;
}

}  // namespace grove::video
