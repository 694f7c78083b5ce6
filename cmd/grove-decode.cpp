// grove-decode: Decode video clips into frame records with FFmpeg.
// Not implemented yet: the tool answers --help and --version, and any run exits 2 with a message.
#include "cli/tool.h"

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-decode", "Decode video clips into frame records with FFmpeg.");
  tool.app().allow_extras();
  return tool.run(argc, argv, [] {
    grove::cli::error("", "not implemented yet (see README.md, Status)");
    return grove::cli::kFatal;
  });
}
