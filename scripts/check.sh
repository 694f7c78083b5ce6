#!/usr/bin/env bash
# Runs every test against the binaries in BUILD (default build/): the GoogleTest suite for the library, then the
# Bats tests for the executables. Ends with one line "check: N passed, M failed" and fails if anything failed.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
export GROVE_BIN="$PWD/$build/bin"
export GROVE_DATADIR="$PWD/share/grove"

passed=0 failed=0

# The tokenizer tests' oracles: two npm implementations of LLaMA's tokenizer (tests/oracle), installed at test
# time and never committed; their ids for ~3000 strings are written next to the build.
echo "== tokenizer oracles (npm: tests/oracle)"
oracle="$PWD/$build/oracle"
mkdir -p "$oracle"
cp tests/oracle/package.json tests/oracle/tokenize.mjs "$oracle/"
if (cd "$oracle" && npm install --no-audit --no-fund --loglevel=error >/dev/null && node tokenize.mjs . 3000); then
  export GROVE_TOKENIZER_ORACLE="$oracle"
else
  failed=$((failed + 1)); echo "check: could not install or run the tokenizer oracles (npm, node)"
fi

# The BERT tokenizer's oracle: Hugging Face's tokenizers library itself (Rust, through an npm binding;
# tests/oracle/bert) set up as bert-base-uncased's tokenizer.json, over the tiny test vocabulary; its ids for the
# fixture's strings and 5000 random ones are written next to the build.
echo "== BERT tokenizer oracle (npm: tests/oracle/bert)"
boracle="$PWD/$build/oracle-bert"
src="$PWD"
mkdir -p "$boracle"
cp tests/oracle/bert/package.json tests/oracle/bert/bert_tokenize.mjs "$boracle/"
if (cd "$boracle" && npm install --no-audit --no-fund --loglevel=error >/dev/null && node bert_tokenize.mjs . "$src" 5000); then
  export GROVE_BERT_TOKENIZER_ORACLE="$boracle/bert_cases.jsonl"
else
  failed=$((failed + 1)); echo "check: could not install or run the BERT tokenizer oracle (npm, node)"
fi

echo "== unit tests (GoogleTest: $build/bin/grove-unit-tests)"
log=$(mktemp)
"$GROVE_BIN/grove-unit-tests" --gtest_brief=1 2>&1 | tee "$log"
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
if [ -z "$p" ] && [ -z "$f" ]; then f=1; echo "check: the unit-test binary did not finish"; fi
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))

echo "== executable tests (Bats: tests/bats)"
bats --tap tests/bats 2>&1 | tee "$log"
p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
if ! grep -q '^1\.\.' "$log"; then f=$((f + 1)); echo "check: bats did not run"; fi
passed=$((passed + p)); failed=$((failed + f))

# The fuzz targets (fuzz/, built with clang into build-fuzz/) for a few seconds each: their seeds and regression
# inputs, then a little fuzzing; one test per target. `make fuzz` runs them for ten minutes each.
echo "== fuzz targets (scripts/fuzz.sh, ${CHECK_FUZZ_SECONDS:-15} s each)"
if command -v clang++ >/dev/null; then
  FUZZ_SECONDS=${CHECK_FUZZ_SECONDS:-15} scripts/fuzz.sh 2>&1 | tee "$log"
  p=$(grep -c ' ok$' "$log"); f=$(grep -c ' FINDING ' "$log")
  if ! grep -q '^fuzz: [0-9]* targets' "$log"; then f=$((f + 1)); echo "check: the fuzz targets did not build or run"; fi
  passed=$((passed + p)); failed=$((failed + f))
else
  echo "check: clang++ is missing (scripts/deps.sh installs it): fuzz targets skipped"
fi
rm -f "$log"

echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
