#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The conventions every tool shares: --help, --version, usage errors, exit codes.
load helpers

TOOLS="grove-decode grove-annotate grove-train grove-infer grove-eval grove-convert grove-embed grove-synth grove-render"

@test "every tool answers --help on stdout with exit 0" {
  for t in $TOOLS; do
    run "$t" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: $t"* ]]
    [[ "$output" == *"--threads"* ]]
    [[ "$output" == *"--quiet"* ]]
    [[ "$output" == *"--version"* ]]
  done
}

@test "every tool answers --version with grove's version and its libraries" {
  for t in $TOOLS; do
    run "$t" --version
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^$t\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    [[ "${lines[1]}" == *"LibTorch"* ]]
    [[ "${lines[1]}" == *"libavformat"* ]]
  done
}

@test "every tool has a man page that names its options" {
  for t in $TOOLS; do
    page="$BATS_TEST_DIRNAME/../../man/man1/$t.1"
    [ -f "$page" ]
    grep -q -- '\\-\\-threads' "$page"
    grep -q -- '\\-\\-quiet' "$page"
  done
  [ -f "$BATS_TEST_DIRNAME/../../man/man5/grove-stream.5" ]
}

@test "an unknown option is one error line and exit 2" {
  run --separate-stderr grove-convert cat --no-such-option
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: "*"--no-such-option"* ]]
}

@test "grove-convert's --help and its man page name the same verbs and options" {
  page="$BATS_TEST_DIRNAME/../../man/man1/grove-convert.1"
  for verb in to-jsonl from-jsonl cat head count split validate pixels inspect import-grove init random export tokenize detokenize to-pickle from-pickle compare; do
    run grove-convert --help
    [[ "$output" == *"$verb"* ]]
    grep -q "^\.B $verb" "$page" || grep -q "^\.B grove-convert $verb" "$page"
    for opt in $(grove-convert "$verb" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$page" || { echo "$verb: $opt missing from the man page"; return 1; }
    done
  done
}

@test "the tools' --help and man pages name the same options" {
  for t in grove-decode grove-annotate grove-infer grove-train grove-embed grove-synth grove-render; do
    page="$BATS_TEST_DIRNAME/../../man/man1/$t.1"
    for opt in $($t --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$page" || { echo "$t: $opt missing from the man page"; return 1; }
    done
  done
}

@test "the tools that run no network do not load LibTorch (they start in milliseconds)" {
  for t in grove-decode grove-convert grove-eval grove-synth grove-render; do
    ! ldd "$GROVE_BIN/$t" | grep -q libtorch
  done
  for t in grove-infer grove-train grove-annotate grove-embed; do
    ldd "$GROVE_BIN/$t" | grep -q libtorch
    run "$t" --version
    [[ "${lines[2]}" == "running LibTorch "* ]]
  done
}

@test "a progress line appears on stderr only when stderr is a terminal" {
  ex="$DATA/all-records.jsonl"
  # Not a terminal: no carriage-return progress line, only the summary.
  run --separate-stderr grove-convert cat "$ex" -o /dev/null
  [[ "$stderr" != *$'\r'* ]]
  # A terminal (script gives the command a pty): the progress line is drawn and then cleared.
  script -qec "grove-convert cat '$ex' -o /dev/null" /dev/null > "$BATS_TEST_TMPDIR/tty.out"
  grep -q $'\r' "$BATS_TEST_TMPDIR/tty.out"
  grep -q "records" "$BATS_TEST_TMPDIR/tty.out"
  # --quiet: nothing at all, even on a terminal.
  script -qec "grove-convert cat --quiet '$ex' -o /dev/null" /dev/null > "$BATS_TEST_TMPDIR/quiet.out"
  [ ! -s "$BATS_TEST_TMPDIR/quiet.out" ]
}
