// A progress line on stderr — only when stderr is a terminal and --quiet is off, so logs and pipes stay clean.
// Redraws at most ten times a second: "label  120/400  30%  12.5 clips/s  ETA 0:22".
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace grove::cli {

class Progress {
 public:
  // total 0: unknown (no percentage or ETA).
  Progress(std::string label, uint64_t total = 0, std::string unit = "records");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(uint64_t n = 1);
  void set_total(uint64_t total) { total_ = total; }
  // Clears the line; called by the destructor too.
  void finish();
  bool enabled() const { return enabled_; }

 private:
  void draw();

  std::string label_, unit_;
  uint64_t total_, done_ = 0;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace grove::cli
