#include "io/shard.h"

#include "core/error.h"

namespace grove::io {

std::string shard_path(const std::string& pattern, int shard, int shards) {
  if (pattern.find("{i}") == std::string::npos) {
    throw Error(pattern, "an output pattern for shards must contain {i}");
  }
  size_t width = std::to_string(shards > 1 ? shards - 1 : 0).size();
  auto pad = [width](int v) {
    std::string s = std::to_string(v);
    return std::string(s.size() < width ? width - s.size() : 0, '0') + s;
  };
  std::string out = pattern;
  for (auto [key, value] : {std::pair<std::string, std::string>{"{i}", pad(shard)}, {"{n}", pad(shards)}}) {
    for (size_t p; (p = out.find(key)) != std::string::npos;) out.replace(p, key.size(), value);
  }
  return out;
}

}  // namespace grove::io
