// Version and build facts, printed by every tool's --version and written into stream headers.
#pragma once
#include <string>

namespace grove {

// grove's own version, e.g. "0.1.0".
const char* version();

// One line naming the libraries grove was built with, e.g. "LibTorch 1.13.1 (CPU), FFmpeg 5.1, zstd 1.5.4".
std::string build_info();

// Sets the number of threads LibTorch uses for intra-op parallelism (0 leaves its default).
void set_torch_threads(int threads);

// Where grove's shared data (configs, prompts, models) lives: $GROVE_DATADIR, else the install prefix's
// share/grove, else the source tree's share/grove when run from a build directory.
std::string data_dir();

}  // namespace grove
