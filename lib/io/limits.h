// Bounds on what a reader accepts, so a corrupt or hostile input is refused with a clear error instead of
// exhausting memory. Defaults suit the largest real records (a frames record of a few hundred full-HD frames).
#pragma once
#include <cstddef>

namespace grove::io {

struct ReadLimits {
  size_t max_record_bytes = size_t{4} << 30;  // one encoded record (msgpack bytes, or one JSON line)
  size_t max_elements = size_t{1} << 22;      // entries of one array or map
  size_t max_depth = 64;                      // nesting of arrays and maps

  // The defaults, overridden by GROVE_MAX_RECORD_BYTES / GROVE_MAX_ELEMENTS / GROVE_MAX_DEPTH when set.
  static ReadLimits from_env();
};

}  // namespace grove::io
