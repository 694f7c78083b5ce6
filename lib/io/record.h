// A grove record in memory: an insertion-ordered JSON value whose binary nodes hold raw bytes (pixels).
// It is the in-memory twin of one msgpack map of a grove stream; man/man5/grove-stream.5 defines the fields.
// Numbers keep their kind: unsigned, signed and float (written as msgpack float 64) stay apart through every
// conversion, which is what makes stream -> JSON Lines -> stream byte-identical.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace grove::io {

using Record = nlohmann::ordered_json;

// The record's "type" and "id" fields, or "" when absent or not strings.
std::string record_type(const Record& r);
std::string record_id(const Record& r);

}  // namespace grove::io
