// msgpack <-> Record: the byte encoding of a grove stream. Encoding is canonical (msgpack-c's smallest forms,
// floats as float 64), so decoding and re-encoding a grove stream gives back the same bytes.
#pragma once
#include <memory>
#include <string>

#include "io/limits.h"
#include "io/record.h"

namespace grove::io {

class InputFile;

// Appends the msgpack encoding of r to out.
void encode_msgpack(const Record& r, std::string& out);

// Reads one top-level msgpack value after another from an InputFile.
class MsgpackReader {
 public:
  MsgpackReader(InputFile& in, const ReadLimits& limits);
  ~MsgpackReader();
  // The next value; false at a clean end of input. Throws grove::Error on truncation, invalid bytes or a limit.
  bool next(Record& out);
  // Offset in the (decompressed) input where the last value returned began.
  size_t record_offset() const { return record_offset_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t record_offset_ = 0;
};

}  // namespace grove::io
