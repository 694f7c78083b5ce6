// The record types of grove-stream(5) as checks: each type's required and optional fields, their kinds, and the
// lengths that must agree. Tools validate what they read before using it, and tests validate what tools write.
#pragma once
#include <string>
#include <vector>

#include "io/record.h"

namespace grove::io {

// The record types this grove defines, in the order the man page lists them.
const std::vector<std::string>& record_types();

// Problems found in r, one sentence each ("field \"fps\" must be a number"); empty when r is valid. Records of a
// type grove does not define are valid if they have a string "type" (tools pass them through).
std::vector<std::string> validate(const Record& r);

// Throws grove::Error(where + record id, first problem) when validate(r) finds any.
void require_valid(const Record& r, const std::string& where);

}  // namespace grove::io
