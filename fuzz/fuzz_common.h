// What the libFuzzer targets (fuzz/*_fuzz.cpp) share. The readers take paths (and memory-map them), so each input
// is written to one temporary file per process first. grove::Error is the library's answer to a bad input and is
// expected; any other exception escapes LLVMFuzzerTestOneInput and is a finding, as are crashes, sanitizer reports,
// leaks, timeouts and running out of memory. FUZZ_CHECK states what must hold for every input, where the
// sanitizers cannot see (reads of memory-mapped files are not checked by AddressSanitizer).
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "io/msgpack_codec.h"
#include "io/record.h"
#include "io/schema.h"

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);       \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace grove::fuzz {

// $TMPDIR/grove-fuzz-PID-NAME (NAME may end in a suffix the reader looks at), removed at exit.
inline std::string input_path(const std::string& name) {
  static std::vector<std::string>* made = [] {
    auto* v = new std::vector<std::string>;
    std::atexit([] {
      for (const auto& p : *made) ::unlink(p.c_str());
    });
    return v;
  }();
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/grove-fuzz-" + std::to_string(::getpid()) + "-" + name;
  for (const auto& p : *made)
    if (p == path) return path;
  made->push_back(path);
  return path;
}

inline void write_file(const std::string& path, const void* data, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t w = ::write(fd, p, size);
    FUZZ_CHECK(w > 0);
    p += w;
    size -= static_cast<size_t>(w);
  }
  FUZZ_CHECK(::close(fd) == 0);
}

// Runs f; a grove::Error is an expected outcome.
template <class F>
void expect_errors(F&& f) {
  try {
    f();
  } catch (const grove::Error&) {
  }
}

// The input cut at NUL bytes (targets that take several texts), at most max_parts parts (the last keeps its NULs).
inline std::vector<std::string_view> split_nul(std::string_view data, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t z = data.find('\0');
    if (z == std::string_view::npos) break;
    parts.push_back(data.substr(0, z));
    data.remove_prefix(z + 1);
  }
  parts.push_back(data);
  return parts;
}

// What a tool does with the records a reader made: they encode, and (when the reader promises it) they are valid.
inline void use_records(const std::vector<io::Record>& records, bool validated = true) {
  std::string bytes;
  for (const auto& r : records) {
    const bool valid = io::validate(r).empty();
    FUZZ_CHECK(valid || !validated);
    bytes.clear();
    io::encode_msgpack(r, bytes);
  }
}

}  // namespace grove::fuzz
