// The grove stream reader as the tools use it (stream_fuzz.cpp, stream_jsonl_fuzz.cpp): every record read, checked
// against the schema, and written back as msgpack and as a JSON line.
#pragma once
#include <string>

#include "fuzz_common.h"
#include "io/jsonl.h"
#include "io/msgpack_codec.h"
#include "io/schema.h"
#include "io/stream.h"

namespace grove::fuzz {

inline void read_stream(const std::string& path) {
  const io::ReadLimits limits;  // the defaults (GROVE_MAX_* are not read here)
  expect_errors([&] {
    io::StreamReader in(path, limits);
    io::Record r;
    std::string bytes;
    while (in.next(r)) {
      FUZZ_CHECK(r.is_object());
      io::validate(r);
      bytes.clear();
      io::encode_msgpack(r, bytes);
      io::to_json_line(r);  // grove::Error for a string that is not UTF-8
    }
  });
}

}  // namespace grove::fuzz
