#!/usr/bin/env bash
# Look at a stream, compress it, and split it into shards for an sbatch array (see sbatch/shards.sbatch).
#   examples/inspect-and-shard.sh samples.jsonl 16
set -euo pipefail
in=${1:?usage: $0 STREAM SHARDS}
n=${2:-16}
grove-convert count "$in"
grove-convert validate "$in"
mkdir -p shards
grove-convert split -n "$n" "$in" -o 'shards/part-{i}-of-{n}.grove.zst'
ls -l shards
