#!/usr/bin/env bash
# make bench: runs every bench/*.sh with the binaries of BUILD. Each benchmark measures its own baseline in the same
# run and prints ratios, since these machines are shared and noisy.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
export GROVE_BIN="$PWD/$build/bin"
for b in bench/*.sh; do
  echo "== $b"
  bash "$b"
done
