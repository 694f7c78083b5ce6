#!/usr/bin/env bats
# The limits that protect users: a hostile or corrupt input is refused with one clear line, quickly and in little
# memory, instead of exhausting the machine; each limit can be changed through its environment variable.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  T=$BATS_TEST_TMPDIR
  grove-convert -q from-jsonl <(echo '{"type":"header","format":"grove-stream","version":1,"tool":"test"}') -o "$T/header.grove"
}

# Runs a command: its exit status in $st, its peak resident memory (kB) in $kb, its stderr in $T/err.
measure() {
  st=0
  /usr/bin/time -f %M -o "$T/rss" "$@" > /dev/null 2> "$T/err" || st=$?
  kb=$(tail -1 "$T/rss")
}

@test "a decompression bomb (one record of 1 GB in a 40 kB zstd file) is refused at GROVE_MAX_RECORD_BYTES" {
  # {"type": "x", "b": <bin32 of 1 GB of zeros>}
  { cat "$T/header.grove"; printf '\x82\xa4type\xa1x\xa1b\xc6\x3b\x9a\xca\x00'; head -c 1000000000 /dev/zero; } | zstd -q -3 -o "$T/bomb.grove.zst"
  [ "$(stat -c %s "$T/bomb.grove.zst")" -lt 100000 ]
  measure env GROVE_MAX_RECORD_BYTES=1000000 grove-convert count "$T/bomb.grove.zst"
  echo "peak $kb kB; $(cat "$T/err")"
  [ "$st" -eq 2 ]
  one_error_line "$T/err" "grove-convert: error: $T/bomb.grove.zst: record at byte"
  grep -q "GROVE_MAX_RECORD_BYTES\|size limit" "$T/err"
  [ "$kb" -lt 400000 ]   # far below what the claimed sizes would take (AddressSanitizer builds included)
  # The same file within a raised limit is read.
  GROVE_MAX_RECORD_BYTES=1100000000 grove-convert -q count "$T/bomb.grove.zst" | grep -q "^x	1$"
}

@test "a record that claims 4 GB but holds a few bytes is refused without allocating them" {
  { cat "$T/header.grove"; printf '\x82\xa4type\xa1x\xa1b\xc6\xff\xff\xff\x00abc'; } > "$T/claim.grove"
  measure grove-convert count "$T/claim.grove"
  echo "peak $kb kB; $(cat "$T/err")"
  [ "$st" -eq 2 ]
  one_error_line "$T/err" "grove-convert: error: $T/claim.grove"
  [ "$kb" -lt 400000 ]   # far below what the claimed sizes would take (AddressSanitizer builds included)
}

@test "GROVE_MAX_ELEMENTS bounds an array or map; GROVE_MAX_DEPTH bounds nesting" {
  printf '%s\n' '{"type":"header","format":"grove-stream","version":1,"tool":"test"}' \
    '{"type":"x","a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}' | grove-convert -q from-jsonl - -o "$T/wide.grove"
  grove-convert -q count "$T/wide.grove" | grep -q "^x	1$"
  run --separate-stderr env GROVE_MAX_ELEMENTS=10 grove-convert count "$T/wide.grove"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == *"wide.grove"*"limit"* ]]
  printf '%s\n' '{"type":"header","format":"grove-stream","version":1,"tool":"test"}' \
    '{"type":"x","a":[[[[[1]]]]]}' | grove-convert -q from-jsonl - -o "$T/deep.grove"
  grove-convert -q count "$T/deep.grove" | grep -q "^x	1$"
  run --separate-stderr env GROVE_MAX_DEPTH=4 grove-convert count "$T/deep.grove"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == *"deep.grove"* ]]
}

@test "a JSON Lines line longer than GROVE_MAX_RECORD_BYTES is refused with its byte offset" {
  { echo '{"type":"header","format":"grove-stream","version":1,"tool":"test"}'
    printf '{"type":"x","s":"%s"}\n' "$(head -c 5000 /dev/zero | tr '\0' a)"; } > "$T/long.jsonl"
  grove-convert -q count "$T/long.jsonl" | grep -q "^x	1$"
  run --separate-stderr env GROVE_MAX_RECORD_BYTES=1000 grove-convert count "$T/long.jsonl"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == *"long.jsonl"*"byte"* ]]
}

@test "a safetensors header that claims a terabyte is refused before reading it" {
  printf '\x00\x00\x00\x00\x00\x01\x00\x00{}' > "$T/huge.safetensors"
  measure grove-convert inspect "$T/huge.safetensors"
  echo "peak $kb kB; $(cat "$T/err")"
  [ "$st" -eq 2 ]
  one_error_line "$T/err" "grove-convert: error: $T/huge.safetensors"
  grep -q "100 MB limit" "$T/err"
  [ "$kb" -lt 400000 ]   # far below what the claimed sizes would take (AddressSanitizer builds included)
}

@test "a safetensors tensor whose shape does not match its bytes is refused" {
  header='{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,16]}}'
  { printf "$(printf '\\x%02x' $(( ${#header} )))\\x00\\x00\\x00\\x00\\x00\\x00\\x00"; printf '%s' "$header"; head -c 16 /dev/zero; } > "$T/shape.safetensors"
  measure grove-convert inspect --tensors "$T/shape.safetensors"
  echo "peak $kb kB; $(cat "$T/err")"
  [ "$st" -eq 2 ]
  one_error_line "$T/err" "grove-convert: error: $T/shape.safetensors"
  [ "$kb" -lt 400000 ]   # far below what the claimed sizes would take (AddressSanitizer builds included)
}
