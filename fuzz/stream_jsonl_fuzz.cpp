// grove::io::StreamReader over JSON Lines streams (lib/io/stream.h, jsonl.h): the header line, records with
// "$base64" and "$float" values, blank lines, streams joined with cat.
#include "stream_read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = grove::fuzz::input_path("stream.jsonl");
  grove::fuzz::write_file(path, data, size);
  grove::fuzz::read_stream(path);
  return 0;
}
