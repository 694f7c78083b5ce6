#include "io/file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "test_util.h"

using grove::io::InputFile;
using grove::io::OutputFile;
namespace fs = std::filesystem;

namespace {
std::string read_all(InputFile& in) {
  std::string out, chunk(4096, '\0');
  for (size_t n; (n = in.read(chunk.data(), chunk.size())) > 0;) out.append(chunk.data(), n);
  return out;
}
std::string pattern_bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7919) % 251);
  return s;
}
}  // namespace

TEST(OutputFile, AppearsOnlyOnCommit) {
  grove::test::TempDir dir;
  std::string path = dir / "out.bin";
  {
    OutputFile out(path);
    out.write("hello");
    EXPECT_FALSE(fs::exists(path)) << "the real name must not exist before commit";
    out.commit();
  }
  EXPECT_EQ(grove::test::read_file(path), "hello");
}

TEST(OutputFile, UncommittedLeavesTheOldFileAndNoTemporary) {
  grove::test::TempDir dir;
  std::string path = dir / "out.bin";
  grove::test::write_file(path, "old");
  {
    OutputFile out(path);
    out.write("new contents that never get committed");
  }
  EXPECT_EQ(grove::test::read_file(path), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(OutputFile, WritesIntoDevNullInPlace) {
  OutputFile out("/dev/null");
  out.write("x");
  out.commit();
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(InputFile, ZstdIsDetectedByMagicNotName) {
  grove::test::TempDir dir;
  const std::string data = pattern_bytes(1 << 20);
  for (auto mode : {OutputFile::Compression::None, OutputFile::Compression::Zstd}) {
    std::string path = dir / "file.bin";  // no .zst suffix
    OutputFile out(path, mode);
    out.write(data.substr(0, 1000));
    out.write(data.substr(1000));  // a large write goes straight through
    out.commit();
    InputFile in(path);
    EXPECT_EQ(in.compressed(), mode == OutputFile::Compression::Zstd);
    EXPECT_EQ(read_all(in), data);
  }
  EXPECT_TRUE(OutputFile(dir / "x.zst").compressed());
}

TEST(InputFile, ConcatenatedZstdFramesReadAsOne) {
  grove::test::TempDir dir;
  std::string a = dir / "a.zst", b = dir / "b.zst";
  for (auto [p, s] : {std::pair{a, std::string("first,")}, std::pair{b, std::string("second")}}) {
    OutputFile out(p);
    out.write(s);
    out.commit();
  }
  grove::test::write_file(dir / "ab", grove::test::read_file(a) + grove::test::read_file(b));
  InputFile in(dir / "ab");
  EXPECT_EQ(read_all(in), "first,second");
}

TEST(InputFile, TruncatedZstdIsAnError) {
  grove::test::TempDir dir;
  std::string path = dir / "t.zst";
  OutputFile out(path);
  out.write(pattern_bytes(100000));
  out.commit();
  std::string bytes = grove::test::read_file(path);
  grove::test::write_file(path, bytes.substr(0, bytes.size() / 2));
  InputFile in(path);
  try {
    read_all(in);
    FAIL() << "no error";
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(e.message().find("truncated"), std::string::npos) << e.message();
  }
}

TEST(InputFile, MissingFileAndDirectoryNameThePath) {
  try {
    InputFile in("/nonexistent/grove");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where(), "/nonexistent/grove");
    EXPECT_EQ(e.message(), "No such file or directory");
  }
  EXPECT_THROW(InputFile("/tmp"), grove::Error);
}

TEST(InputFile, ReadLineHandlesChunkBoundariesAndLimits) {
  grove::test::TempDir dir;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::string(i % 17, 'a' + i % 26) + "\n";
  text += "no newline at end";
  grove::test::write_file(dir / "lines", text);
  InputFile in(dir / "lines");
  std::string line, last;
  int n = 0;
  while (in.read_line(line, 100)) {
    if (n < 50000) {
      ASSERT_EQ(line, std::string(n % 17, 'a' + n % 26)) << n;
    }
    last = line;
    ++n;
  }
  EXPECT_EQ(n, 50001);
  EXPECT_EQ(last, "no newline at end");
  InputFile again(dir / "lines");
  for (int i = 0; i < 20; ++i) again.read_line(line, 100);
  EXPECT_THROW(again.read_line(line, 2), grove::Error);
}
