#!/usr/bin/env bats
# grove-convert's stream verbs and the stream's error behaviour, on real files.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  T=$(mktemp -d)
  EXAMPLES="$DATA/all-records.jsonl"   # a header and one record of every type
}
teardown() { rm -rf "$T"; }

@test "JSON Lines -> stream -> JSON Lines is byte-identical, compressed or not" {
  for z in "" ".zst"; do
    grove-convert from-jsonl "$EXAMPLES" -o "$T/s.grove$z"
    grove-convert to-jsonl "$T/s.grove$z" -o "$T/back.jsonl"
    cmp "$EXAMPLES" "$T/back.jsonl"
  done
}

@test "stream -> JSON Lines -> stream is byte-identical for every record type" {
  grove-convert from-jsonl "$EXAMPLES" -o "$T/all.grove"
  for type in frames sample prediction metrics error x-custom; do
    grove-convert head --type "$type" -n 1 "$T/all.grove" -o "$T/one.grove"
    [ "$(grove-convert count "$T/one.grove" | tail -1)" = "$(printf 'total\t1')" ]
    for z in "" ".zst"; do
      grove-convert to-jsonl "$T/one.grove" -o "$T/one.jsonl$z"
      grove-convert from-jsonl "$T/one.jsonl$z" -o "$T/again.grove$z"
      grove-convert cat "$T/again.grove$z" --msgpack -o "$T/again.grove"   # decompress
      cmp "$T/one.grove" "$T/again.grove"
    done
  done
}

@test "pipes: stdin and stdout work, compressed or not, and compression is detected by magic" {
  grove-convert from-jsonl --zstd < "$EXAMPLES" > "$T/piped"
  [ "$(head -c 4 "$T/piped" | od -An -tx1 | tr -d ' ')" = "28b52ffd" ]
  grove-convert to-jsonl < "$T/piped" > "$T/back.jsonl"
  cmp "$EXAMPLES" "$T/back.jsonl"
}

@test "count, head and validate" {
  run grove-convert count "$EXAMPLES"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'frames\t1'* ]]
  [[ "$output" == *$'total\t8'* ]]
  grove-convert head -n 2 "$EXAMPLES" -o "$T/h.jsonl"
  [ "$(wc -l < "$T/h.jsonl")" -eq 3 ]   # header + 2
  run grove-convert validate "$EXAMPLES"
  [ "$status" -eq 0 ]
  # A sample whose labels do not match its boxes: one problem line, exit 1.
  sed 's/"labels":\[\["a man","an onion"\],\[\]\]/"labels":[["a man"],[]]/' "$EXAMPLES" > "$T/bad.jsonl"
  run --separate-stderr grove-convert validate "$T/bad.jsonl"
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 2 ]   # the problem, then the summary
  [[ "${stderr_lines[0]}" == *"record 2 (vid01_3): frame 0 has 2 bboxes but 1 labels" ]]
}

@test "split makes N shards that cat back to the same records, in round-robin order" {
  for i in $(seq 1 10); do sed -n 3p "$EXAMPLES" | sed "s/vid01_3/clip$i/"; done > "$T/body"
  { head -1 "$EXAMPLES"; cat "$T/body"; } > "$T/ten.jsonl"
  grove-convert split -n 3 "$T/ten.jsonl" -o "$T/part-{i}-of-{n}.grove.zst"
  [ -f "$T/part-0-of-3.grove.zst" ] && [ -f "$T/part-2-of-3.grove.zst" ]
  [ "$(grove-convert count "$T/part-0-of-3.grove.zst" | tail -1)" = "$(printf 'total\t4')" ]
  [ "$(grove-convert count "$T/part-2-of-3.grove.zst" | tail -1)" = "$(printf 'total\t3')" ]
  grove-convert to-jsonl "$T/part-1-of-3.grove.zst" | grep -o '"id":"clip[0-9]*"' | tr '\n' ' ' > "$T/ids"
  [ "$(cat "$T/ids")" = '"id":"clip2" "id":"clip5" "id":"clip8" ' ]
}

@test "streams joined with plain cat read as one" {
  grove-convert from-jsonl "$EXAMPLES" -o "$T/a.grove"
  cat "$T/a.grove" "$T/a.grove" > "$T/aa.grove"
  [ "$(grove-convert count "$T/aa.grove" | tail -1)" = "$(printf 'total\t16')" ]
}

@test "a truncated stream is one error line naming the file, exit 2, and no output file" {
  grove-convert from-jsonl "$EXAMPLES" -o "$T/a.grove"
  head -c 300 "$T/a.grove" > "$T/cut.grove"
  run --separate-stderr grove-convert cat "$T/cut.grove" -o "$T/out.grove"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: $T/cut.grove: truncated stream: the record at byte "*" is incomplete" ]]
  [ ! -e "$T/out.grove" ]
  [ -z "$(ls "$T" | grep tmp)" ]
}

@test "a truncated zstd stream is one error line, exit 2" {
  grove-convert from-jsonl "$EXAMPLES" -o "$T/a.grove.zst"
  head -c 100 "$T/a.grove.zst" > "$T/cut.zst"
  run --separate-stderr grove-convert count "$T/cut.zst"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: $T/cut.zst: truncated zstd stream"* ]]
}

@test "a header with a schema version this grove cannot read is one error line, exit 2" {
  sed '1s/"version":1/"version":7/' "$EXAMPLES" > "$T/v7.jsonl"
  run --separate-stderr grove-convert cat "$T/v7.jsonl"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: $T/v7.jsonl: grove stream schema version 7 is not supported"* ]]
}

@test "random bytes, empty input, a missing file and plain text are one error line each, exit 2" {
  head -c 4096 /dev/urandom > "$T/random"
  : > "$T/empty"
  echo "hello world" > "$T/text"
  for f in "$T/random" "$T/empty" "$T/missing" "$T/text"; do
    run --separate-stderr grove-convert count "$f"
    [ "$status" -eq 2 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "grove-convert: error: $f: "* ]]
  done
  run --separate-stderr grove-convert count < /dev/null
  [ "$status" -eq 2 ]
  [ "$stderr" = "grove-convert: error: <stdin>: empty input: no grove stream header" ]
}

@test "an output whose reader goes away ends quietly (SIGPIPE)" {
  # ~7 MB of frames records (64x64 pixels), so the writer is still writing when head exits.
  px=$(head -c $((64 * 64 * 3)) /dev/urandom | base64 -w0)
  head -1 "$EXAMPLES" > "$T/big.jsonl"
  for i in $(seq 300); do
    sed -n 2p "$EXAMPLES" | sed -e "s/vid01_3/clip$i/" -e 's/"pixel_width":2,"pixel_height":2/"pixel_width":64,"pixel_height":64/' \
      -e "s|\"pixels\":\[[^]]*\]|\"pixels\":[{\"\$base64\":\"$px\"},{\"\$base64\":\"$px\"}]|"
  done >> "$T/big.jsonl"
  grove-convert validate -q "$T/big.jsonl"
  grove-convert from-jsonl "$T/big.jsonl" -o "$T/big.zst"
  run --separate-stderr bash -c "grove-convert cat '$T/big.zst' | head -c 100 | wc -c"
  [ "$status" -eq 0 ]
  [ "$output" = "100" ]
  [ -z "$stderr" ]
}

@test "-q silences the summary; without it a summary line goes to stderr" {
  run --separate-stderr grove-convert cat "$EXAMPLES" -o "$T/x.grove"
  [ "$status" -eq 0 ]
  [[ "$stderr" == "grove-convert: 8 records written to $T/x.grove"* ]]
  run --separate-stderr grove-convert cat -q "$EXAMPLES" -o "$T/x.grove"
  [ -z "$stderr" ]
}
