// Writing videos: RGB frames piped to the ffmpeg program, which encodes them as H.264 MP4 (yuv420p) or as a GIF
// with a palette made for the clip. The file appears under its name only when ffmpeg succeeded.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace grove::video {

enum class VideoFormat { Mp4, Gif };

class VideoEncoder {
 public:
  // Starts ffmpeg writing PATH (format from the suffix: ".gif" gives a GIF, anything else MP4) at FPS frames per
  // second from WIDTHxHEIGHT RGB24 frames. Throws grove::Error naming PATH when ffmpeg cannot be run.
  VideoEncoder(const std::string& path, int width, int height, double fps);
  ~VideoEncoder();  // abandons an unfinished file
  VideoEncoder(const VideoEncoder&) = delete;
  VideoEncoder& operator=(const VideoEncoder&) = delete;

  // One frame: height rows of width RGB triplets.
  void write(const uint8_t* rgb);
  // Waits for ffmpeg and renames the file into place; throws grove::Error naming the path when ffmpeg failed.
  void finish();

 private:
  std::string path_, tmp_;
  int width_, height_;
  FILE* pipe_ = nullptr;
  bool broken_ = false;
};

}  // namespace grove::video
