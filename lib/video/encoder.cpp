#include "video/encoder.h"

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "core/strings.h"

namespace fs = std::filesystem;

namespace grove::video {

namespace {

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

VideoEncoder::VideoEncoder(const std::string& path, int width, int height, double fps)
    : path_(path), width_(width), height_(height) {
  const bool gif = ends_with(lower(path), ".gif");
  tmp_ = path + ".tmp-" + std::to_string(::getpid()) + (gif ? ".gif" : ".mp4");
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", fps);
  std::string cmd = "ffmpeg -nostdin -v error -y -f rawvideo -pix_fmt rgb24 -s " + std::to_string(width) + "x" +
                    std::to_string(height) + " -r " + rate + " -i - ";
  if (gif)
    cmd += "-vf 'split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=none' -loop 0 ";
  else  // even sizes for yuv420p
    cmd += "-vf 'pad=ceil(iw/2)*2:ceil(ih/2)*2' -c:v libx264 -preset veryfast -crf 18 -g 25 -pix_fmt yuv420p ";
  cmd += shell_quoted(tmp_);
  pipe_ = ::popen(cmd.c_str(), "w");
  if (!pipe_) throw Error(path, "cannot run ffmpeg");
}

VideoEncoder::~VideoEncoder() {
  if (pipe_) {
    ::pclose(pipe_);
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
}

void VideoEncoder::write(const uint8_t* rgb) {
  const size_t n = static_cast<size_t>(width_) * height_ * 3;
  if (!broken_ && std::fwrite(rgb, 1, n, pipe_) != n) broken_ = true;
}

void VideoEncoder::finish() {
  const int status = ::pclose(pipe_);
  pipe_ = nullptr;
  if (status != 0 || broken_) {
    std::error_code ec;
    fs::remove(tmp_, ec);
    throw Error(path_, "ffmpeg failed to encode the video (is the ffmpeg program installed, with libx264?)");
  }
  fs::rename(tmp_, path_);
}

}  // namespace grove::video
