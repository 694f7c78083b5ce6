// A grove record in memory: an insertion-ordered JSON value whose binary nodes hold raw bytes (pixels).
// It is the in-memory twin of one msgpack map of a grove stream; man/man5/grove-stream.5 defines the fields.
// Numbers keep their kind: unsigned, signed and float (written as msgpack float 64) stay apart through every
// conversion, which is what makes stream -> JSON Lines -> stream byte-identical.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace grove::io {

using Record = nlohmann::ordered_json;

// The value as one line of JSON for a message: bytes that are not UTF-8 (pickled strings may hold any) show as
// U+FFFD where dump() would throw.
inline std::string shown(const Record& v) { return v.dump(-1, ' ', false, Record::error_handler_t::replace); }

// The record's "type" and "id" fields, or "" when absent or not strings.
std::string record_type(const Record& r);
std::string record_id(const Record& r);

}  // namespace grove::io
