#!/usr/bin/env bats
# SIGINT and SIGTERM: the first stops a tool at its next safe point (between records, clips or training steps) with
# its outputs as they were and exit 130 / 143; a second ends it at once. grove-infer's journal and grove-train's
# checkpoint let --resume finish the job exactly.
bats_require_minimum_version 1.5.0
load helpers

# A header, then N sample records, one every DELAY seconds, as JSON Lines.
slow_samples() {
  echo '{"type":"header","format":"grove-stream","version":1,"tool":"test"}'
  for i in $(seq 1 "$1"); do
    echo "{\"type\":\"sample\",\"id\":\"s$i\",\"video_fname\":\"v.mp4\",\"caption\":\"a man.\"}"
    sleep "$2"
  done
}

no_temporaries() { ! ls -a "$1" | grep -q '\.tmp-'; }

# A tool run with SIGINT and SIGTERM at their defaults: a background job of a non-interactive shell (or of whatever
# started the test run) inherits SIGINT ignored, and grove keeps a signal ignored at start ignored, as it should.
# (A command, not a function: the background job's pid must be the tool's own.)
fresh=(env --default-signal=INT,TERM)

@test "SIGINT between records: exit 130, one line naming the signal, no output file" {
  T=$BATS_TEST_TMPDIR
  slow_samples 100 0.05 | "${fresh[@]}" grove-convert cat - -o "$T/out.grove" 2> "$T/err" &
  pid=$!
  sleep 1
  kill -INT "$pid"
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 130 ]
  one_error_line "$T/err" "grove-convert: error: interrupted by SIGINT"
  [ ! -e "$T/out.grove" ]
  no_temporaries "$T"
}

@test "a SIGINT ignored by whoever started the tool stays ignored (nohup, background jobs); SIGTERM still stops it" {
  T=$BATS_TEST_TMPDIR
  slow_samples 100 0.05 | env --ignore-signal=INT --default-signal=TERM grove-convert cat - -o "$T/out.grove" 2> "$T/err" &
  pid=$!
  sleep 1
  kill -INT "$pid"
  sleep 0.5
  kill -0 "$pid"
  kill -TERM "$pid"
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 143 ]
  [ ! -e "$T/out.grove" ]
}

@test "SIGTERM between records: exit 143; an existing output is left as it was" {
  T=$BATS_TEST_TMPDIR
  echo "before" > "$T/out.jsonl"
  slow_samples 100 0.05 | "${fresh[@]}" grove-convert cat - -o "$T/out.jsonl" 2> "$T/err" &
  pid=$!
  sleep 1
  kill -TERM "$pid"
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 143 ]
  one_error_line "$T/err" "grove-convert: error: interrupted by SIGTERM"
  [ "$(cat "$T/out.jsonl")" = "before" ]
  no_temporaries "$T"
}

@test "an upstream tool stopped by Ctrl-C does not make the downstream one commit a cut stream" {
  T=$BATS_TEST_TMPDIR
  # Both get the signal, as a terminal's Ctrl-C gives it to the whole pipeline; the producer's end of input comes
  # after the signal, so the reader must not take it for the end of the stream.
  mkfifo "$T/p"
  "${fresh[@]}" grove-convert cat "$T/p" -o "$T/out.grove" 2> "$T/err" &
  pid=$!
  { slow_samples 100 0.05; } > "$T/p" &
  producer=$!
  sleep 1
  kill -INT "$pid"
  kill "$producer" 2>/dev/null || true
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 130 ]
  [ ! -e "$T/out.grove" ]
}

@test "a second signal ends a tool at once, even while it waits for input" {
  T=$BATS_TEST_TMPDIR
  mkfifo "$T/p"
  sleep 60 > "$T/p" &   # a writer that never writes: the reader blocks
  writer=$!
  "${fresh[@]}" grove-convert cat "$T/p" -o "$T/out.grove" 2> "$T/err" &
  pid=$!
  sleep 0.5
  kill -INT "$pid"
  sleep 0.3
  kill -0 "$pid"     # the first one waits for the next record...
  kill -INT "$pid"   # ...the second does not
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 130 ]
  kill "$writer"
  [ ! -e "$T/out.grove" ]
  no_temporaries "$T"
}

@test "grove-infer stopped by SIGINT keeps its finished clips; --resume gives the uninterrupted output" {
  T=$BATS_TEST_TMPDIR
  grove-convert -q random --config micro --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/model"
  grove-synth -q -n 4 --split test --video-dir "$T/videos" -o "$T/samples.jsonl"
  grove-decode -q --samples "$T/samples.jsonl" --video-dir "$T/videos" -o "$T/frames.jsonl"
  grove-infer -q -m "$T/model" "$T/frames.jsonl" -o "$T/straight.grove"
  # Frames records arrive one a second: the signal comes while clips are still to come.
  (head -1 "$T/frames.jsonl"; tail -n +2 "$T/frames.jsonl" | while IFS= read -r line; do printf '%s\n' "$line"; sleep 1; done) |
    "${fresh[@]}" grove-infer -q -m "$T/model" - -o "$T/pred.grove" --resume 2> "$T/err" &
  pid=$!
  until [ -s "$T/pred.grove.partial" ]; do sleep 0.1; done
  kill -INT "$pid"
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 130 ]
  [ ! -e "$T/pred.grove" ] && [ -e "$T/pred.grove.partial" ]
  grove-infer -q -m "$T/model" "$T/frames.jsonl" -o "$T/pred.grove" --resume
  cmp "$T/straight.grove" "$T/pred.grove"
}

@test "grove-train stopped by SIGTERM checkpoints the step it finished; --resume ends as an uninterrupted run" {
  T=$BATS_TEST_TMPDIR
  grove-convert -q random --config micro --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/model"
  grove-synth -q -n 3 --split train --video-dir "$T/videos" -o "$T/train.jsonl"
  args=(-m "$T/model" --train "$T/train.jsonl" --video-dir "$T/videos" --epochs 12 --warmup 3 --lr 1e-3)
  grove-train -q "${args[@]}" -o "$T/straight"
  for launcher in "" "--nproc 2"; do
    rm -rf "$T/cut"
    "${fresh[@]}" grove-train -q "${args[@]}" $launcher -o "$T/cut" 2> "$T/err" &
    pid=$!
    until [ -f "$T/cut/log.jsonl" ] && [ "$(grep -c '"type":"step"' "$T/cut/log.jsonl")" -ge 4 ]; do sleep 0.05; done
    kill -TERM "$pid"
    st=0; wait "$pid" || st=$?
    [ "$st" -eq 143 ]
    # The checkpoint holds the last logged step: nothing done was lost.
    logged=$(grep -c '"type":"step"' "$T/cut/log.jsonl")
    [ "$(jq .global_step "$T/cut/last/trainer.json")" -eq "$logged" ]
    total=$(jq -s '[.[] | select(.type == "start")][0].total_steps' "$T/cut/log.jsonl")
    [ "$logged" -lt "$total" ]
    grove-train -q "${args[@]}" $launcher -o "$T/cut" --resume
    if [ -z "$launcher" ]; then
      diff <(jq -r 'select(.type == "step") | "\(.step) \(.loss)"' "$T/straight/log.jsonl") \
           <(jq -r 'select(.type == "step") | "\(.step) \(.loss)"' "$T/cut/log.jsonl")
      grove-convert compare "$T/straight/last" "$T/cut/last"
    else
      [ "$(jq .global_step "$T/cut/last/trainer.json")" -eq "$total" ]
    fi
  done
}
