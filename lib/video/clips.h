// A clip — a whole video file, or the window a sample record names — decoded into a frames record
// (grove-stream(5)) with the frame selection grove-decode offers: the 5 fps grid, N segment samples, or every frame.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.h"
#include "video/decoder.h"
#include "video/sampling.h"

namespace grove::video {

struct FrameSelection {
  enum class Mode { Fps5, Segments, All };
  Mode mode = Mode::Fps5;
  size_t segments = 8;                  // Mode::Segments: how many frames
  Sampling sampling = Sampling::Center;  // Mode::Segments: centre or seeded random frame of each segment
  uint64_t seed = 0;

  // "fps5", "frames8-center", "frames8-random-seed3", "all": the record's "sampling" field.
  std::string name() const;
};

struct ClipRequest {
  std::string id;      // the record id: a sample's id, or a video file's name without directory and extension
  std::string path;    // the file to open
  io::Record sample;   // null, or the sample record whose window [clip_start_frame, clip_end_frame] is decoded
};

ClipRequest clip_for_video(const std::string& path);
// The sample's video is video_dir/video_fname (video_fname alone when video_dir is empty).
ClipRequest clip_for_sample(const io::Record& sample, const std::string& video_dir);

// The native frame indices a clip uses under a selection, given what the decoder found in the file. Throws
// grove::Error(path, ...) when a sample's window does not fit the video.
std::vector<int64_t> select_frames(const ClipRequest& clip, const VideoInfo& info, const FrameSelection& selection);

struct DecodeOptions {
  FrameSelection selection;
  int max_side = 0;       // downscale stored pixels so the longer side is at most this (0: keep)
  int codec_threads = 1;  // decoder threads per video
};

// Decodes a clip into a frames record. Throws grove::Error(path, ...) on any failure.
io::Record decode_clip(const ClipRequest& clip, const DecodeOptions& options);

}  // namespace grove::video
