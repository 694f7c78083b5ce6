// Helpers shared by the unit tests: temporary directories, whole-file reads and the example records.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/jsonl.h"
#include "io/record.h"

namespace grove::test {

// A fresh directory under $TMPDIR, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "grove-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

inline std::string source_path(const std::string& rel) { return std::string(GROVE_SOURCE_DIR) + "/" + rel; }

// tests/data/all-records.jsonl: a header and one record of every type (plus an unknown type), all valid.
inline std::vector<io::Record> example_records() {
  std::ifstream f(source_path("tests/data/all-records.jsonl"));
  std::vector<io::Record> out;
  std::string line;
  for (size_t n = 1; std::getline(f, line); ++n) out.push_back(io::from_json_line(line, "all-records.jsonl", n));
  return out;
}

}  // namespace grove::test
