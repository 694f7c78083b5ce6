// grove-annotate: Annotate videos automatically: grounded captions and temporally consistent boxes.
// Not implemented yet: the tool answers --help and --version, and any run exits 2 with a message.
#include "cli/tool.h"
#include "nn/runtime.h"

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-annotate", "Annotate videos automatically: grounded captions and temporally consistent boxes.");
  tool.use_runtime(grove::nn::runtime_info, grove::nn::set_threads);
  tool.app().allow_extras();
  return tool.run(argc, argv, [] {
    grove::cli::error("", "not implemented yet (see README.md, Status)");
    return grove::cli::kFatal;
  });
}
