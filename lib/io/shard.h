// Sharding a stream for sbatch arrays: record k (0-based, header not counted) belongs to shard k % n. The same
// rule serves `grove-convert split --shards n` and every tool's `--shard i/n`, so both give the same partition.
#pragma once
#include <cstddef>
#include <string>

namespace grove::io {

inline bool in_shard(size_t record_index, int shard, int shards) {
  return shards <= 1 || static_cast<int>(record_index % static_cast<size_t>(shards)) == shard;
}

// PATTERN with "{i}" replaced by the shard number and "{n}" by the count, both zero-padded to the width of n-1:
// shard_path("part-{i}-of-{n}.grove", 3, 16) = "part-03-of-16.grove". Throws grove::Error without "{i}".
std::string shard_path(const std::string& pattern, int shard, int shards);

}  // namespace grove::io
