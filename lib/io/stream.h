// The grove stream (man/man5/grove-stream.5): a header record, then typed records, as msgpack maps — or as JSON
// Lines, its readable twin. Readers detect zstd and JSON Lines by their first bytes, so files and pipes work either
// way; writers choose by the path's suffix (".zst" compresses, ".jsonl" writes JSON Lines) or by explicit options.
// Memory is bounded per record: a reader holds one record at a time.
#pragma once
#include <memory>
#include <string>

#include "io/file.h"
#include "io/limits.h"
#include "io/record.h"

namespace grove::io {

class MsgpackReader;

inline constexpr const char* kStreamFormat = "grove-stream";
inline constexpr int kSchemaVersion = 1;

// A header naming the producing tool ("grove-decode") and this grove's version.
Record make_header(const std::string& tool);
// An error record: clip id ("" if unknown), the tool, the file at fault and what went wrong.
Record make_error(const std::string& id, const std::string& tool, const std::string& source, const std::string& message);

enum class Encoding { Auto, Msgpack, Jsonl };

// Whether PATH ("-" counts as one) starts like a grove stream (msgpack map, JSON object or zstd frame) rather than
// another file, such as a video. Throws grove::Error naming the path when it cannot be opened.
bool is_stream_file(const std::string& path);

class StreamReader {
 public:
  // Opens PATH ("-" = stdin) and reads its header; throws grove::Error naming the file when the input is empty,
  // is not a grove stream, or has a schema version this grove cannot read.
  explicit StreamReader(const std::string& path, const ReadLimits& limits = ReadLimits::from_env());
  ~StreamReader();

  const Record& header() const { return header_; }
  // The next record after the header; false at the end. Headers met later (streams joined with cat) are checked
  // and skipped. Throws grove::Error on a truncated or corrupt record.
  bool next(Record& r);

  const std::string& name() const { return file_.name(); }
  Encoding encoding() const { return encoding_; }
  bool compressed() const { return file_.compressed(); }
  size_t records_read() const { return count_; }

 private:
  bool read_raw(Record& r);
  void check_header(const Record& h, const std::string& where);

  ReadLimits limits_;
  InputFile file_;
  Encoding encoding_ = Encoding::Msgpack;
  std::unique_ptr<MsgpackReader> msgpack_;
  std::string line_;
  size_t line_no_ = 0;
  size_t count_ = 0;
  Record header_;
};

class StreamWriter {
 public:
  // Opens PATH ("-" = stdout) and writes the header. A file is written under a temporary name and appears under
  // PATH only when commit() succeeds. Encoding::Auto writes JSON Lines for "*.jsonl" and "*.jsonl.zst".
  StreamWriter(const std::string& path, const Record& header, Encoding encoding = Encoding::Auto,
               OutputFile::Compression compression = OutputFile::Compression::Auto, const std::string& journal = "");
  ~StreamWriter();

  void write(const Record& r);
  void flush() { file_.flush(); }  // see OutputFile::flush
  void commit();

  const std::string& name() const { return file_.name(); }
  Encoding encoding() const { return encoding_; }
  size_t records_written() const { return count_; }

 private:
  OutputFile file_;
  Encoding encoding_;
  std::string buf_;
  size_t count_ = 0;
};

}  // namespace grove::io
