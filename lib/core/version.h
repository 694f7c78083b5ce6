// Version and build facts, printed by every tool's --version and written into stream headers.
#pragma once
#include <string>

namespace grove {

// grove's own version, e.g. "0.1.0".
const char* version();

// One line naming the libraries grove was built with, e.g. "built with LibTorch 1.13.1, libavformat 59.27.100,
// libavcodec 59.37.100, zstd 1.5.4".
std::string build_info();

// Where grove's shared data (configs, prompts, models) lives: $GROVE_DATADIR, else share/grove beside the
// executable's bin/ (an installed tree, wherever it was moved), else the source tree's share/grove when run from
// a build directory, else the configured install prefix's.
std::string data_dir();

}  // namespace grove
