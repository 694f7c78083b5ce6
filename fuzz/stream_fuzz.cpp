// grove::io::StreamReader over msgpack streams (lib/io/stream.h, msgpack_codec.h, file.h). The input is read as a
// file, and then, unless it is a zstd frame already, as the zstd compression of the same bytes, so the
// decompressing reader sees every input too (a finding from that second pass reproduces with `zstd -c`).
#include <zstd.h>

#include <cstring>
#include <vector>

#include "stream_read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = grove::fuzz::input_path("stream.grove");
  grove::fuzz::write_file(path, data, size);
  grove::fuzz::read_stream(path);
  if (size >= 4 && std::memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0) return 0;  // zstd's magic number
  static ZSTD_CCtx* const cctx = ZSTD_createCCtx();
  std::vector<char> z(ZSTD_compressBound(size));
  const size_t n = ZSTD_compressCCtx(cctx, z.data(), z.size(), data, size, 1);
  FUZZ_CHECK(!ZSTD_isError(n));
  grove::fuzz::write_file(path, z.data(), n);
  grove::fuzz::read_stream(path);
  return 0;
}
