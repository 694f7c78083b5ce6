#!/usr/bin/env bats
# make demo's script on fewer clips: synth -> decode -> infer -> eval -> render, with the shipped model when there
# is one (else a random one, which the script announces).
bats_require_minimum_version 1.5.0
load helpers

@test "the demo prints captions and the metric table and draws a PNG and a GIF per clip" {
  out=$BATS_TEST_TMPDIR/demo
  build=$(realpath --relative-to="$BATS_TEST_DIRNAME/../.." "$(dirname "$GROVE_BIN")")
  run --separate-stderr env GROVE_DEMO_CLIPS=2 GROVE_DEMO_OUT="$out" "$BATS_TEST_DIRNAME/../../scripts/demo.sh" "$build"
  echo "$output"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [[ "$output" == *"test_000000  predicted: "* ]]
  [[ "$output" == *"test_000001  truth:     "* ]]
  [[ "$output" == *"AP50"* ]] && [[ "$output" == *"CIDEr"* ]] && [[ "$output" == *"mIoU"* ]]
  for id in test_000000 test_000001; do
    [ -s "$out/pictures/$id.png" ] && [ -s "$out/pictures/$id.gif" ]
    [ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$out/pictures/$id.png")" = png ]
    [ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$out/pictures/$id.gif")" = gif ]
  done
  grove-convert -q count "$out/pred.grove" | grep -q "^prediction	2$"
  if [ -f "$BATS_TEST_DIRNAME/../../share/grove/models/synth/config.json" ]; then
    [[ "$stderr" != *"random weights"* ]]
  else
    [[ "$stderr" == *"random weights"* ]]
  fi
}
