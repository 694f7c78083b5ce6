// Base64 (RFC 4648, standard alphabet, padded): how JSON Lines carries a stream's binary fields.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grove::io {

std::string base64_encode(const uint8_t* data, size_t n);
inline std::string base64_encode(const std::vector<uint8_t>& v) { return base64_encode(v.data(), v.size()); }
// Decodes padded base64; nullopt when the text is not valid base64.
std::optional<std::vector<uint8_t>> base64_decode(const std::string& text);

}  // namespace grove::io
