#!/usr/bin/env bats
# Under `make check-asan` (binaries built with AddressSanitizer, whose LeakSanitizer runs at exit): a whole
# decode | infer | eval pipeline (and grove-render of its predictions), and a training run, end without a leak report. Skipped on ordinary builds.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  ldd "$GROVE_BIN/grove-infer" | grep -q libasan || skip "not an AddressSanitizer build (make check-asan runs this)"
  export ASAN_OPTIONS=detect_leaks=1:exitcode=23
}

@test "decode | infer | eval leaks nothing (LeakSanitizer)" {
  T=$BATS_TEST_TMPDIR
  grove-synth -q -n 2 --split test --video-dir "$T/videos" -o "$T/samples.grove"
  grove-convert -q random --config micro --init scratch --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/model"
  set -o pipefail
  grove-decode -q --samples "$T/samples.grove" --video-dir "$T/videos" 2> "$T/decode.err" |
    grove-infer -q -m "$T/model" 2> "$T/infer.err" | tee "$T/pred.grove" |
    grove-eval -q iground --pred - --gt "$T/samples.grove" --no-meteor -o "$T/metrics.grove" 2> "$T/eval.err"
  grove-render -q "$T/pred.grove" --gt "$T/samples.grove" -o "$T/pictures" --format png 2> "$T/render.err"
  for e in decode infer eval render; do
    ! grep -q "LeakSanitizer" "$T/$e.err" || { cat "$T/$e.err"; false; }
  done
  grove-convert -q count "$T/metrics.grove" | grep -q "^metrics"
}

@test "a short training run leaks nothing (LeakSanitizer)" {
  T=$BATS_TEST_TMPDIR
  grove-synth -q -n 2 --split train --video-dir "$T/videos" -o "$T/train.grove"
  grove-convert -q random --config micro --init scratch --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/model"
  run --separate-stderr grove-train -q -m "$T/model" -o "$T/run" --train "$T/train.grove" --video-dir "$T/videos" --epochs 1 --warmup 1
  echo "$stderr" | tail -20
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"LeakSanitizer"* ]]
}
