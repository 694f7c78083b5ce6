// Byte-level files for every grove format: "-" is stdin/stdout, zstd is detected on read by its magic number and
// chosen on write by a ".zst" suffix (or explicitly), and outputs are written under a temporary name and renamed
// into place only by commit(), so an interrupted tool never leaves a half-written file under the real name.
#pragma once
#include <exception>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace grove::io {

// A name for messages: "<stdin>"/"<stdout>" for "-", the path otherwise.
std::string display_name(const std::string& path, bool output = false);

class InputFile {
 public:
  // Opens PATH ("-" for stdin); throws grove::Error naming the path when it cannot be opened.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to n decompressed bytes; returns 0 only at the end of the input.
  size_t read(void* dst, size_t n);
  // The first byte of the decompressed input without consuming it, or -1 when the input is empty.
  int peek();
  // Reads one line without its '\n' into line; false at the end of input. Lines longer than max_bytes are refused.
  bool read_line(std::string& line, size_t max_bytes);

  bool compressed() const { return zstd_ != nullptr; }
  const std::string& name() const { return name_; }
  // Decompressed bytes consumed so far (for messages that point at an offset).
  uint64_t offset() const { return offset_; }

 private:
  size_t fill();             // refills buf_ with decompressed bytes; returns how many
  size_t read_raw(void* dst, size_t n);

  std::string name_;
  int fd_ = -1;
  bool own_fd_ = false;
  struct Zstd;
  std::unique_ptr<Zstd> zstd_;
  std::vector<char> buf_;    // decompressed bytes not yet handed out: [pos_, end_)
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  bool eof_ = false;
  std::exception_ptr pending_;  // an error met after delivering some bytes, raised by the next read
};

class OutputFile {
 public:
  enum class Compression { Auto, None, Zstd };  // Auto: zstd when the path ends in ".zst"

  // Opens PATH ("-" for stdout). A real path is written as PATH.tmp-PID and renamed by commit(). With a journal
  // name, PATH is written as that file instead, which is kept when the writer dies (for a resumed run to read).
  explicit OutputFile(const std::string& path, Compression compression = Compression::Auto, int zstd_level = 3,
                      const std::string& journal = "");
  // Without commit() the temporary file is removed (a journal is kept): the output stays as it was before.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  // Hands everything written so far to the operating system, so it survives the process being killed; with zstd,
  // ends the current frame (a file cut after any flush is a valid zstd stream).
  void flush();
  // Finishes compression, flushes, syncs and renames into place. Throws grove::Error on failure.
  void commit();

  bool compressed() const { return zstd_ != nullptr; }
  const std::string& name() const { return name_; }

 private:
  void write_raw(const void* data, size_t n);
  void emit(const char* data, size_t n);  // compresses when asked, then writes

  std::string path_, tmp_, name_;
  int fd_ = -1;
  bool committed_ = false, journal_ = false;
  struct Zstd;
  std::unique_ptr<Zstd> zstd_;
  std::vector<char> buf_;
};

}  // namespace grove::io
