#!/usr/bin/env bats
# grove-convert inspect on weight files written by PyTorch itself (tests/data/torch, made by make_fixtures.py).
bats_require_minimum_version 1.5.0
load helpers

W="$BATS_TEST_DIRNAME/../data/torch"

@test "inspect reads torch.save checkpoints, zip and legacy, and safetensors files" {
  run grove-convert inspect "$W/all_dtypes.pt"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$W/all_dtypes.pt: torch-zip, 12 tensors" ]
  run grove-convert inspect --tensors "$W/legacy.pt"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$W/legacy.pt: torch-legacy, 20 tensors" ]
  [[ "$output" == *$'  bf16\tBF16\t[3x4]'* ]]
  run grove-convert inspect --tensors "$W/ordered_dict.pt" "$W/ordered_dict.expected.safetensors"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ordered_dict.expected.safetensors: safetensors, 11 tensors"* ]]
  [[ "$output" == *$'  2.weight\tF32\t[2x2x1x3x3]'* ]]
  [ "$(echo "$output" | grep -c $'^  total\t')" -eq 2 ]
}

@test "a checkpoint that names a global outside the allowed set is refused, naming it" {
  run --separate-stderr grove-convert inspect "$W/evil.pt"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-convert: error: $W/evil.pt: refusing global posix.system"* ]]
}

@test "truncated and foreign files are one error line each, exit 2" {
  head -c 1000 "$W/nested.pt" > "$BATS_TEST_TMPDIR/cut.pt"
  echo "hello" > "$BATS_TEST_TMPDIR/text.bin"
  for f in "$BATS_TEST_TMPDIR/cut.pt" "$BATS_TEST_TMPDIR/text.bin" "$BATS_TEST_TMPDIR/missing.pt"; do
    run --separate-stderr grove-convert inspect "$f"
    [ "$status" -eq 2 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "grove-convert: error: $f: "* ]]
  done
}
