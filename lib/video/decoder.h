// In-process video decoding with libavformat/libavcodec/libswscale: the frames of one clip, chosen by native frame
// index, as RGB24 in the displayed orientation. One demuxer and decoder per video; a packet scan first maps every
// frame's presentation timestamp to its index and finds the keyframes, so the decoder seeks to the keyframe before
// a wanted frame whenever that skips decoding, and otherwise decodes forward.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace grove::video {

struct VideoInfo {
  double fps = 0;             // native frame rate
  int width = 0, height = 0;  // displayed size (after rotation)
  int rotation = 0;           // clockwise degrees applied to decoded frames: 0, 90, 180 or 270
  int64_t frame_count = 0;    // frames in presentation order
  std::string codec;
};

struct DecodedFrame {
  int64_t index = 0;       // native frame index (presentation order, from 0)
  double timestamp = 0;    // seconds from the stream's start time
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triplets
};

class VideoDecoder {
 public:
  // Opens PATH and scans its packets. Throws grove::Error(path, ...) for a missing, empty or unreadable file, or one
  // without a video stream. codec_threads 0 lets FFmpeg choose.
  explicit VideoDecoder(const std::string& path, int codec_threads = 1);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  const VideoInfo& info() const;

  // The frames at the given native indices (ascending, unique), each converted to RGB24 and, when max_side > 0
  // and the frame is larger, downscaled so its longer side is max_side. Throws grove::Error when an index is past
  // the end of the video or the data is corrupt.
  std::vector<DecodedFrame> read(const std::vector<int64_t>& indices, int max_side = 0);

  // How many seeks and decoded frames the last read() took (for tests and benchmarks).
  int seeks() const;
  int64_t frames_decoded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grove::video
