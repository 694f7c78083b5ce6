#include "io/stream.h"

#include "core/error.h"
#include "core/interrupt.h"
#include "core/strings.h"
#include "core/version.h"
#include "io/jsonl.h"
#include "io/msgpack_codec.h"

namespace grove::io {

std::string record_type(const Record& r) {
  if (r.is_object()) {
    auto it = r.find("type");
    if (it != r.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

std::string record_id(const Record& r) {
  if (r.is_object()) {
    auto it = r.find("id");
    if (it != r.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

Record make_header(const std::string& tool) {
  return Record{{"type", "header"},
                {"format", kStreamFormat},
                {"version", kSchemaVersion},
                {"tool", tool},
                {"tool_version", grove::version()}};
}

Record make_error(const std::string& id, const std::string& tool, const std::string& source,
                  const std::string& message) {
  return Record{{"type", "error"}, {"id", id}, {"tool", tool}, {"source", source}, {"message", message}};
}

// ---- reader ---------------------------------------------------------------------------------------------------

StreamReader::StreamReader(const std::string& path, const ReadLimits& limits) : limits_(limits), file_(path) {
  int first = file_.peek();
  if (first < 0) throw Error(file_.name(), "empty input: no grove stream header");
  if (first == '{') {
    encoding_ = Encoding::Jsonl;
  } else {
    msgpack_ = std::make_unique<MsgpackReader>(file_, limits_);
  }
  Record h;
  bool got;
  try {
    got = read_raw(h);
  } catch (const Error& e) {
    throw Error(e.where(), "not a grove stream: " + e.message());
  }
  if (!got) throw Error(file_.name(), "empty input: no grove stream header");
  check_header(h, file_.name());
  header_ = std::move(h);
}

StreamReader::~StreamReader() = default;

bool StreamReader::read_raw(Record& r) {
  if (encoding_ == Encoding::Msgpack) return msgpack_->next(r);
  while (file_.read_line(line_, limits_.max_record_bytes)) {
    ++line_no_;
    if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are allowed
    r = from_json_line(line_, file_.name(), line_no_, limits_.max_depth);
    return true;
  }
  return false;
}

void StreamReader::check_header(const Record& h, const std::string& where) {
  if (record_type(h) != "header" || !h.contains("format") || h["format"] != kStreamFormat) {
    throw Error(where, "not a grove stream: the first record is not a grove-stream header");
  }
  if (!h.contains("version") || !h["version"].is_number_integer()) {
    throw Error(where, "grove stream header has no integer \"version\"");
  }
  auto v = h["version"].get<int64_t>();
  if (v != kSchemaVersion) {
    throw Error(where, "grove stream schema version " + std::to_string(v) + " is not supported (this grove " +
                           std::string(grove::version()) + " reads version " + std::to_string(kSchemaVersion) +
                           (v > kSchemaVersion ? "; a newer grove wrote it)" : "; convert it with an older grove)"));
  }
}

bool StreamReader::next(Record& r) {
  throw_if_interrupted();  // between records: the safe point of every stream tool
  for (;;) {
    if (!read_raw(r)) {
      throw_if_interrupted();  // an input cut by the same Ctrl-C is no end of stream
      return false;
    }
    if (!r.is_object()) {
      throw Error(file_.name(), "record " + std::to_string(count_ + 1) + " is not a map");
    }
    if (record_type(r) == "header") {  // a second stream appended with cat
      check_header(r, file_.name());
      continue;
    }
    ++count_;
    return true;
  }
}

// ---- writer ---------------------------------------------------------------------------------------------------

bool is_stream_file(const std::string& path) {
  if (path == "-") return true;
  InputFile f(path);
  if (f.compressed()) return true;  // zstd: decoded transparently
  const int c = f.peek();
  return c == '{' || (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf;
}

StreamWriter::StreamWriter(const std::string& path, const Record& header, Encoding encoding,
                           OutputFile::Compression compression, const std::string& journal)
    : file_(path, compression, 3, journal), encoding_(encoding) {
  if (encoding_ == Encoding::Auto) {
    encoding_ = ends_with(path, ".jsonl") || ends_with(path, ".jsonl.zst") ? Encoding::Jsonl : Encoding::Msgpack;
  }
  write(header);
  count_ = 0;
}

StreamWriter::~StreamWriter() = default;

void StreamWriter::write(const Record& r) {
  buf_.clear();
  if (encoding_ == Encoding::Jsonl) {
    buf_ = to_json_line(r);
    buf_ += '\n';
  } else {
    encode_msgpack(r, buf_);
  }
  file_.write(buf_);
  ++count_;
}

void StreamWriter::commit() { file_.commit(); }

}  // namespace grove::io
