#include "core/version.h"

#ifndef GROVE_NO_TORCH
#include <torch/version.h>  // the version macros only: libgrove itself never loads LibTorch
#define GROVE_TORCH_BUILD "with LibTorch " TORCH_VERSION
#else
#define GROVE_TORCH_BUILD "without LibTorch"  // the fuzzing build (GROVE_FUZZ): libgrove alone
#endif
#include <zstd.h>

#include <cstdlib>
#include <filesystem>

extern "C" {
#include <libavcodec/version.h>
#include <libavformat/version.h>
}

namespace grove {

const char* version() { return GROVE_VERSION; }

std::string build_info() {
  return std::string("built " GROVE_TORCH_BUILD ", libavformat ") + AV_STRINGIFY(LIBAVFORMAT_VERSION) + ", libavcodec " +
         AV_STRINGIFY(LIBAVCODEC_VERSION) + ", zstd " + ZSTD_versionString();
}

std::string data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("GROVE_DATADIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // Installed: PREFIX/bin/grove-x next to PREFIX/share/grove, wherever PREFIX was moved to.
    if (fs::is_directory(exe.parent_path().parent_path() / "share/grove")) {
      return (exe.parent_path().parent_path() / "share/grove").string();
    }
    // Run from a build tree: the sources are a parent of the build directory.
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (fs::is_directory(dir / "share/grove") && fs::exists(dir / "CMakeLists.txt")) return dir / "share/grove";
    }
  }
  return GROVE_DATADIR;
}

}  // namespace grove
