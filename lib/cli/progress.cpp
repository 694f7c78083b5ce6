#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "cli/tool.h"

namespace grove::cli {

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(!quiet() && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::add(uint64_t n) {
  done_ += n;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done_ != total_) return;
  last_ = now;
  draw();
}

void Progress::draw() {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? done_ / secs : 0;
  char line[256];
  int k;
  if (total_ > 0) {
    double left = rate > 0 ? (total_ - std::min(done_, total_)) / rate : 0;
    int m = static_cast<int>(left) / 60, s = static_cast<int>(left) % 60;
    k = std::snprintf(line, sizeof line, "\r%s  %llu/%llu  %3.0f%%  %.1f %s/s  ETA %d:%02d\033[K", label_.c_str(),
                      static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
                      100.0 * done_ / total_, rate, unit_.c_str(), m, s);
  } else {
    k = std::snprintf(line, sizeof line, "\r%s  %llu %s  %.1f %s/s\033[K", label_.c_str(),
                      static_cast<unsigned long long>(done_), unit_.c_str(), rate, unit_.c_str());
  }
  if (k > 0) std::fwrite(line, 1, std::min<size_t>(k, sizeof line - 1), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace grove::cli
