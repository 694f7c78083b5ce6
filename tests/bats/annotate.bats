#!/usr/bin/env bats
# grove-annotate: stage 1 with real (random) networks, GROVE's and GLaMM's, on decoded frames, stages 2-3 through the HTTP backend
# against a loopback chat server that answers from a script (malformed answers, HTTP errors, a hang), the built-in
# LLaMA backend on a tiny Llama download, a crash in stage 3 followed by --resume, --shard and bad input.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  T=$BATS_TEST_TMPDIR
  # Three clips' frame captions (stage 1's output), made from the example record with other ids.
  { head -1 "$DATA/all-records.jsonl"
    for i in 0 1 2; do grep '"type":"frame_captions"' "$DATA/all-records.jsonl" | sed "s/vid01_3/clip$i/"; done
  } > "$T/fc.jsonl"
  CAPTION="{'CAPTION': '<p>A person</p> cuts <p>an onion</p>.'}"
}

teardown() {
  [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
}

# Starts the scripted server on a free loopback port: $1 is the script; sets URL, SERVER_PID and LOG.
serve() {
  LOG="$T/server-$RANDOM.log"
  local port="$T/port-$RANDOM"
  grove-test-llm-server "$1" "$port" "$LOG" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$port" ] && break; sleep 0.05; done
  URL="http://127.0.0.1:$(cat "$port")/v1"
}

script() {  # caption-answers label-answers (JSON arrays)
  printf '{"rules": [{"match": "Frame phrases:", "answers": %s}, {"match": "(a man, holds, a knife)", "answers": %s}]}\n' "$2" "$1" > "$T/script.json"
  echo "$T/script.json"
}

@test "stage 1: every decoded frame captioned on its own by the network, GROVE's or GLaMM's" {
  grove-convert -q random --config micro --init scratch --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/grove"
  grove-convert -q random --config "$DATA/glamm/glamm-micro.json" --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/glamm"
  grove-synth -q -n 2 --split test --video-dir "$T/videos" -o "$T/samples.jsonl"
  grove-decode -q --samples "$T/samples.jsonl" --video-dir "$T/videos" -o "$T/frames.grove"
  for model in grove glamm; do
    run --separate-stderr grove-annotate "$T/frames.grove" -m "$T/$model" --until 1 -o "$T/fc.grove"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"2 clips annotated"* ]]
    [[ "$stderr" == *"stage 1 (frame captions): 2 clips run (40 frames"* ]]
    grove-convert validate "$T/fc.grove"
    grove-convert to-jsonl "$T/fc.grove" -o "$T/fc.jsonl"
    [ "$(grep -c '"type":"frame_captions"' "$T/fc.jsonl")" -eq 2 ]
    # One caption, one list of boxes and one of labels per 5 fps frame (20 in a 4 s clip).
    [ "$(tail -1 "$T/fc.jsonl" | jq '.tagged_captions | length')" -eq 20 ]
    [ "$(tail -1 "$T/fc.jsonl" | jq '.boxes | length')" -eq 20 ]
    [ "$(tail -1 "$T/fc.jsonl" | jq '[.frame_indices[]] == [range(0; 100; 5)]')" = true ]
  done
}

@test "HTTP backend: stages 2 and 3, malformed answers and an HTTP error answered with retries" {
  serve "$(script '["@http500", "Sure. The caption: <p>A person cuts an onion.", "'"$CAPTION"'"]' \
                  '["{\"a man\": \"A person\"}", "@label-first"]')"
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "$URL" --llm-model test-model -o "$T/out.grove"
  [ "$status" -eq 0 ]
  grove-convert validate "$T/out.grove"
  grove-convert to-jsonl "$T/out.grove" -o "$T/out.jsonl"
  [ "$(grep -c '"type":"sample"' "$T/out.jsonl")" -eq 3 ]
  s=$(sed -n 2p "$T/out.jsonl")
  [ "$(jq -r .tagged_caption <<< "$s")" = "<p>A person</p> cuts <p>an onion</p>." ]
  [ "$(jq -c .labels <<< "$s")" = '[["A person","A person"],["A person"]]' ]
  [ "$(jq -c '.bboxes[0][1]' <<< "$s")" = '[120,80,160,100]' ]
  # Clip 0: an HTTP 500, an unbalanced tag, then the caption; labels: one missing, then all. Clips 1 and 2: one each.
  [ "$(wc -l < "$LOG")" -eq 9 ]
  [[ "$stderr" == *"stage 2 (video caption): 3 clips run (5 LLM answers"*"2 answers rejected"* ]]
  [[ "$stderr" == *"stage 3 (phrase labels): 3 clips run (4 LLM answers"*"1 answers rejected"* ]]
  # The rejected answer was shown back to the model with the reason.
  grep -q "That answer cannot be used: these phrases have no label" "$LOG"
  # The caches hold each finished stage.
  [ -f "$T/out.grove.work/stage1.grove" ] || [ -f "$T/out.grove.work/stage2.grove" ]
}

@test "a clip whose answers never parse is an error record; the other clips finish" {
  serve "$(script '["I would rather not."]' '["@label-first"]')"
  { head -1 "$T/fc.jsonl"; sed -n 2p "$T/fc.jsonl"; sed -n 3p "$T/fc.jsonl" | sed 's/(a man, holds, a knife)//; s/"a man"/"a chef"/g; s/<p> a man <\/p>/<p> a chef <\/p>/'; } > "$T/two.jsonl"
  printf '{"rules": [{"match": "Frame phrases:", "answers": ["@label-first"]}, {"match": "(a chef, holds", "answers": ["%s"]}, {"match": "Frame 1", "answers": ["I would rather not."]}]}\n' "$CAPTION" > "$T/s2.json"
  kill "$SERVER_PID"; serve "$T/s2.json"
  run --separate-stderr grove-annotate "$T/two.jsonl" --llm "$URL" --attempts 2 -o "$T/out.jsonl"
  [ "$status" -eq 1 ]
  echo "$stderr" | grep -v '^  \|LLM:\|annotated' > "$T/errors"
  one_error_line "$T/errors" "grove-annotate: error: clip0: stage 2: no usable LLM answer in 2 attempts"
  [ "$(grep -c '"type":"error"' "$T/out.jsonl")" -eq 1 ]
  [ "$(grep -c '"type":"sample"' "$T/out.jsonl")" -eq 1 ]
  grep -q '"id":"clip1"' "$T/out.jsonl"
}

@test "a server that is not there: every clip an error record naming the endpoint" {
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm http://127.0.0.1:9/v1 --attempts 2 -o "$T/out.jsonl"
  [ "$status" -eq 1 ]
  [ "$(grep -c '"type":"error"' "$T/out.jsonl")" -eq 3 ]
  grep -q 'http://127.0.0.1:9/v1/chat/completions: request failed' "$T/out.jsonl"
}

@test "a crash in stage 3, then --resume: no finished clip or stage is redone" {
  printf '{"rules": [{"match": "Frame phrases:", "answers": ["@label-first", "@label-first", "@hang"]}, {"match": "Frame 1", "answers": ["%s"]}]}\n' "$CAPTION" > "$T/crash.json"
  serve "$T/crash.json"
  grove-annotate -q "$T/fc.jsonl" --llm "$URL" -o "$T/out.grove" &
  pid=$!
  for _ in $(seq 200); do [ "$(grep -c 'Video caption' "$LOG" 2>/dev/null)" -ge 3 ] && break; sleep 0.05; done
  [ "$(grep -c 'Video caption' "$LOG")" -eq 3 ]   # clip 2 is in stage 3, waiting for its answer
  kill -9 "$pid"
  st=0; wait "$pid" || st=$?
  [ "$st" -eq 137 ]
  [ ! -e "$T/out.grove" ]
  [ -f "$T/out.grove.partial" ]
  kill "$SERVER_PID"
  serve "$(script '["'"$CAPTION"'"]' '["@label-first"]')"
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "$URL" -o "$T/out.grove" --resume
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"2 already done"* ]]
  [[ "$stderr" == *"stage 2 (video caption): 0 clips run (0 LLM answers"*"1 from the cache"* ]]
  [[ "$stderr" == *"stage 3 (phrase labels): 1 clips run (1 LLM answers"* ]]
  # The new server was asked exactly once: clip 2's labels.
  [ "$(wc -l < "$LOG")" -eq 1 ]
  grep -q 'Video caption' "$LOG"
  grove-convert to-jsonl "$T/out.grove" -o "$T/out.jsonl"
  [ "$(jq -r 'select(.type == "sample") | .id' "$T/out.jsonl" | tr '\n' ' ')" = "clip0 clip1 clip2 " ]
  [ ! -e "$T/out.grove.partial" ]
}

@test "--shard i/n takes every n-th clip" {
  serve "$(script '["'"$CAPTION"'"]' '["@label-first"]')"
  grove-annotate -q "$T/fc.jsonl" --llm "$URL" --shard 1/2 -o "$T/s1.jsonl"
  [ "$(jq -r 'select(.type == "sample") | .id' "$T/s1.jsonl")" = "clip1" ]
  grove-annotate -q "$T/fc.jsonl" --llm "$URL" --shard 0/2 --until 2 -o "$T/s0.jsonl"
  [ "$(jq -r 'select(.type == "video_caption") | .id' "$T/s0.jsonl" | tr '\n' ' ')" = "clip0 clip2 " ]
  # Stage 3 from stage 2's records.
  grove-annotate -q "$T/s0.jsonl" --llm "$URL" -o "$T/s0-3.jsonl"
  [ "$(jq -r 'select(.type == "sample") | .id' "$T/s0-3.jsonl" | tr '\n' ' ')" = "clip0 clip2 " ]
}

# The built-in backend on the tiny download $1, whose chat format --chat-format auto finds is $2, answering at most $3
# tokens: it runs, the same twice, and its gibberish ends as error records. Chat format $4 needs the special token
# $5, which the vocabulary lacks: a clear error record.
check_builtin_llm() {
  local dir="$DATA/annotate/$1"
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "llama:$dir" --llm-max-tokens "$3" --attempts 2 -o "$T/a.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"LLM: built-in LLaMA"*"($2 chat format)"* ]]
  [[ "$stderr" == *"stage 2 (video caption): 3 clips run (6 LLM answers"* ]]
  [ "$(grep -c '"type":"error"' "$T/a.jsonl")" -eq 3 ]
  grep -q 'no usable LLM answer in 2 attempts; last problem: no tagged caption' "$T/a.jsonl"
  grove-annotate -q "$T/fc.jsonl" --llm "llama:$dir" --chat-format "$2" --llm-max-tokens "$3" --attempts 2 -o "$T/b.jsonl" || true
  cmp <(tail -n +2 "$T/a.jsonl") <(tail -n +2 "$T/b.jsonl")
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "llama:$dir" --chat-format "$4" --attempts 1 -o "$T/c.jsonl"
  [ "$status" -eq 1 ]
  grep -qF "the tokenizer has no special token $5" "$T/c.jsonl"
}

@test "built-in LLaMA backend: a tiny Llama 2 download runs, deterministically; its gibberish ends as error records" {
  check_builtin_llm tiny-llama llama2 16 llama3 '<|begin_of_text|>'
}

@test "built-in LLaMA backend: a tiny Llama 3.1 download (byte-level BPE, llama3 rope scaling) runs, deterministically" {
  check_builtin_llm tiny-llama3 llama3 24 llama2 '<s>'
}

@test "bad input: one clear line and a non-zero exit" {
  run --separate-stderr grove-annotate "$T/fc.jsonl" -o "$T/x.jsonl"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *"--llm"*"stages 2 and 3 need an LLM"* ]]
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm http://127.0.0.1:9/v1 --caption-prompt "$T/none.txt" -o "$T/x.jsonl"
  [ "$status" -eq 2 ]
  echo "$stderr" > "$T/errors"
  one_error_line "$T/errors" "grove-annotate: error: $T/none.txt: cannot read the prompt file"
  printf '@user\nno placeholder here\n' > "$T/p.txt"
  serve "$(script '["'"$CAPTION"'"]' '["@label-first"]')"
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "$URL" --caption-prompt "$T/p.txt" -o "$T/x.jsonl"
  [ "$status" -eq 1 ]
  grep -q 'the prompt never uses {{frames}}' "$T/x.jsonl"
  run --separate-stderr grove-annotate "$T/fc.jsonl" --llm "llama:$T/nowhere" -o "$T/x.jsonl"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *"$T/nowhere: not a directory"* ]]
  head -c 700 "$T/fc.jsonl" > "$T/cut.jsonl"
  run --separate-stderr grove-annotate "$T/cut.jsonl" --llm "$URL" -o "$T/x.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"$T/cut.jsonl"* ]]
}
