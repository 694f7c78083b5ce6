#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) into build-fuzz/ with clang and runs each for FUZZ_SECONDS
# (default 600) from its committed seeds (fuzz/corpus/TARGET/) and what earlier runs found (build-fuzz/corpus/TARGET/,
# where new inputs go; fuzz/corpus is only read). One line per target: executions, executions per second, corpus
# size, and whether it found anything; a finding (crash, sanitizer report, leak, timeout, out of memory) leaves its
# input in build-fuzz/artifacts/TARGET/ and its log in build-fuzz/logs/TARGET.log, and makes this script fail.
#
#   FUZZ_SECONDS=N     seconds per target (default 600; CI runs 20)
#   FUZZ_TARGETS="a b" the targets to run (default: all, the names of fuzz/*_fuzz.cpp without _fuzz.cpp)
#   FUZZ_PARALLEL=N    targets run at once (default 1)
#   JOBS=N             build parallelism (default: every core)
# fuzz/dict/TARGET.dict, when there is one, is given to the target as its libFuzzer dictionary (-dict).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-600}
parallel=${FUZZ_PARALLEL:-1}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
build=build-fuzz
if [ -z "${FUZZ_TARGETS:-}" ]; then
  FUZZ_TARGETS=$(for f in fuzz/*_fuzz.cpp; do basename "$f" _fuzz.cpp; done)
fi

if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
  echo "fuzz: clang and clang++ are needed (libFuzzer): apt-get install clang" >&2
  exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DGROVE_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 2
fi
cmake --build "$build" -j"$jobs" || exit 2
mkdir -p "$build/logs"

# Runs one target; its summary line goes to $build/logs/TARGET.result.
run_one() {
  local t=$1 log="$build/logs/$1.log" result="$build/logs/$1.result"
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t" "fuzz/corpus/$t"
  local dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  "$build/bin/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$t/" "${dict[@]}" "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  local rc=$?
  local execs rate corpus
  # (-a: the log quotes inputs' bytes, which would make grep call it binary)
  execs=$(grep -a '^stat::number_of_executed_units:' "$log" | tail -1 | tr -dc 0-9)
  rate=$(grep -a '^stat::average_exec_per_sec:' "$log" | tail -1 | tr -dc 0-9)
  corpus=$(grep -ao 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    printf '%-18s %10s execs %7s/s  corpus %-12s ok\n' "$t" "${execs:-?}" "${rate:-?}" "${corpus:-?}" >"$result"
  else
    local what artifact
    what=$(grep -a -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): [a-zA-Z-]+|runtime error: .*|FUZZ_CHECK failed: .*|uncaught exception|deadly signal' "$log")
    artifact=$(grep -a 'Test unit written to ' "$log" | tail -1 | sed 's/.*Test unit written to //')
    printf '%-18s %10s execs %7s/s  corpus %-12s FINDING (exit %s): %s; input %s; log %s\n' "$t" "${execs:-?}" \
      "${rate:-?}" "${corpus:-?}" "$rc" "${what:-see the log}" "${artifact:-none}" "$log" >"$result"
  fi
  cat "$result"
}

echo "fuzz: ${seconds}s per target, $parallel at once: $(echo $FUZZ_TARGETS)"
running=0
for t in $FUZZ_TARGETS; do
  if [ ! -x "$build/bin/${t}_fuzz" ]; then
    echo "fuzz: no target $t (fuzz/${t}_fuzz.cpp)" >&2
    exit 2
  fi
  rm -f "$build/logs/$t.result"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

found=0
for t in $FUZZ_TARGETS; do
  grep -q ' ok$' "$build/logs/$t.result" 2>/dev/null || found=$((found + 1))
done
echo "fuzz: $(echo $FUZZ_TARGETS | wc -w) targets, $found with findings"
[ "$found" -eq 0 ]
