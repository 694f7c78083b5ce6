#!/usr/bin/env bats
# grove-train on real decoded videos (ffmpeg test patterns) with a small random model (micro config, tiny tokenizer):
# the loss falls, two Gloo processes equal one with the same global batch, kill -9 and --resume reproduce the
# uninterrupted trajectory, pre-decoded frames equal on-the-fly decoding, and bad inputs fail clearly.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  export W="$BATS_FILE_TMPDIR"
  grove-convert -q random --config micro --tokenizer "$DATA/text/tiny-tokenizer" -o "$W/model"
  mkdir -p "$W/videos"
  ffmpeg -loglevel error -f lavfi -i testsrc=size=160x120:rate=25 -t 3 -pix_fmt yuv420p "$W/videos/a.mp4"
  ffmpeg -loglevel error -f lavfi -i mandelbrot=size=128x96:rate=30 -t 9 -pix_fmt yuv420p "$W/videos/c.mp4"
  # Two clips: a (15 frames on the 5 fps grid), c (45); phrases with boxes moving right, absent in some frames.
  jq -nc '{type:"header",format:"grove-stream",version:1,tool:"test",tool_version:"0"}' > "$W/train.jsonl"
  for clip in a:25:70:160:120:15 c:30:264:128:96:45; do
    IFS=: read -r id fps end w h n <<< "$clip"
    jq -nc --arg id "$id" --argjson fps "$fps" --argjson last "$end" --argjson w "$w" --argjson h "$h" --argjson n "$n" '
      {type:"sample", id:$id, video_fname:($id + ".mp4"), fps:$fps, clip_start_frame:0, clip_end_frame:$last,
       width:$w, height:$h, caption:"A man cuts an onion.", tagged_caption:"<p>A man</p> cuts <p>an onion</p>.",
       phrases:["A man","an onion"],
       bboxes:[range(0; $n) as $t | if $t % 5 == 2 then [] elif $t % 2 == 0 then [[$t, 10, $t + 40, 60], [60, 20, 100, 80]]
               else [[$t, 10, $t + 40, 60]] end],
       labels:[range(0; $n) as $t | if $t % 5 == 2 then [] elif $t % 2 == 0 then ["a man", "an onion"] else ["a man"] end]}' \
      >> "$W/train.jsonl"
  done
}

steps() { jq -r 'select(.type == "step") | "\(.step) \(.loss)"' "$1/log.jsonl"; }

@test "the loss falls on a small dataset; the run leaves last/, best/, a log and curves" {
  run --separate-stderr grove-train -m "$W/model" -o "$BATS_TEST_TMPDIR/run" --train "$W/train.jsonl" --val "$W/train.jsonl" \
    --video-dir "$W/videos" --epochs 10 --warmup 2 --lr 1e-3
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"20 steps, last loss"* ]]
  # The model's weights are random and the default trainable set leaves its bodies frozen: a warning says so.
  [[ "$stderr" == *"grove-train: warning: $W/model: its weights are random (grove-convert random) and these stay frozen"*"model.grounding_encoder.image_encoder"*"add --unfreeze"* ]]
  first=$(jq -s '[.[] | select(.type == "step") | .loss][0:4] | add / 4' "$BATS_TEST_TMPDIR/run/log.jsonl")
  last=$(jq -s '[.[] | select(.type == "step") | .loss][-4:] | add / 4' "$BATS_TEST_TMPDIR/run/log.jsonl")
  echo "first $first last $last"
  [ "$(echo "$last < 0.95 * $first" | bc -l)" -eq 1 ]
  [ "$(jq -s '[.[] | select(.type == "validation")] | length' "$BATS_TEST_TMPDIR/run/log.jsonl")" -eq 10 ]
  grove-convert -q inspect "$BATS_TEST_TMPDIR/run/best" > /dev/null
  [ -f "$BATS_TEST_TMPDIR/run/last/optimizer.safetensors" ]
  [ "$(jq .global_step "$BATS_TEST_TMPDIR/run/last/trainer.json")" -eq 20 ]
  if command -v gnuplot > /dev/null; then [ -s "$BATS_TEST_TMPDIR/run/curves.png" ]; fi
  # The trained model runs in grove-infer.
  grove-infer -q -m "$BATS_TEST_TMPDIR/run/best" "$W/videos/a.mp4" | grove-convert -q count | grep -q "prediction"
}

@test "two Gloo processes end with the parameters of one process with the same global batch" {
  grove-train -q -m "$W/model" -o "$BATS_TEST_TMPDIR/one" --train "$W/train.jsonl" --video-dir "$W/videos" \
    --epochs 3 --warmup 1 --lr 1e-3 --accumulation 2
  run --separate-stderr grove-train -m "$W/model" -o "$BATS_TEST_TMPDIR/two" --train "$W/train.jsonl" \
    --video-dir "$W/videos" --epochs 3 --warmup 1 --lr 1e-3 --nproc 2
  [ "$status" -eq 0 ]
  [ "$(jq -r 'select(.type == "start") | "\(.world) \(.backend)"' "$BATS_TEST_TMPDIR/two/log.jsonl")" = "2 gloo" ]
  grove-convert compare "$BATS_TEST_TMPDIR/one/last" "$BATS_TEST_TMPDIR/two/last" --tolerance 1e-5
  diff <(steps "$BATS_TEST_TMPDIR/one" | awk '{printf "%s %.5f\n", $1, $2}') <(steps "$BATS_TEST_TMPDIR/two" | awk '{printf "%s %.5f\n", $1, $2}')
}

@test "kill -9 mid-run, then --resume: the loss trajectory of an uninterrupted run" {
  args=(-m "$W/model" --train "$W/train.jsonl" --video-dir "$W/videos" --epochs 15 --warmup 3 --lr 1e-3 --save-every 1)
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/straight"
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/cut" &
  pid=$!
  until [ -f "$BATS_TEST_TMPDIR/cut/log.jsonl" ] && [ "$(grep -c '"type":"step"' "$BATS_TEST_TMPDIR/cut/log.jsonl")" -ge 5 ]; do
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" || true
  [ "$(jq .global_step "$BATS_TEST_TMPDIR/cut/last/trainer.json")" -lt 30 ]   # killed before the end
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/cut" --resume
  diff <(steps "$BATS_TEST_TMPDIR/straight") <(steps "$BATS_TEST_TMPDIR/cut")
  grove-convert compare "$BATS_TEST_TMPDIR/straight/last" "$BATS_TEST_TMPDIR/cut/last"
}

@test "frames pre-decoded by grove-decode --samples train exactly as frames decoded on the fly" {
  grove-decode -q --samples "$W/train.jsonl" --video-dir "$W/videos" -o "$BATS_TEST_TMPDIR/frames.grove"
  grove-train -q -m "$W/model" -o "$BATS_TEST_TMPDIR/fly" --train "$W/train.jsonl" --video-dir "$W/videos" --epochs 2 --warmup 1
  grove-train -q -m "$W/model" -o "$BATS_TEST_TMPDIR/pre" --train "$W/train.jsonl" --frames "$BATS_TEST_TMPDIR/frames.grove" \
    --epochs 2 --warmup 1
  diff <(steps "$BATS_TEST_TMPDIR/fly") <(steps "$BATS_TEST_TMPDIR/pre")
}

@test "bad inputs fail with one line naming the problem" {
  run --separate-stderr grove-train -m "$W/model" -o "$BATS_TEST_TMPDIR/x" --train "$W/train.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"give either --video-dir or --frames"* ]]
  run --separate-stderr grove-train -m "$W/model" -o "$BATS_TEST_TMPDIR/x" --train "$W/train.jsonl" --video-dir "$W/videos" \
    --accumulation 3
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"2 samples are fewer than one global batch of 3"* ]]
  jq -c 'if .type == "sample" then .labels[0] = ["a dog", "an onion"] else . end' "$W/train.jsonl" > "$BATS_TEST_TMPDIR/bad.jsonl"
  run --separate-stderr grove-train -m "$W/model" -o "$BATS_TEST_TMPDIR/y" --train "$BATS_TEST_TMPDIR/bad.jsonl" \
    --video-dir "$W/videos" --epochs 1 --seed 1
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"box label \"a dog\" is not one of the caption's phrases"* ]]
  run --separate-stderr grove-train -m "$BATS_TEST_TMPDIR/none" -o "$BATS_TEST_TMPDIR/z" --train "$W/train.jsonl" --video-dir "$W/videos"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"none: not a model directory"* ]]
}

@test "LoRA with activation checkpointing: the loss falls, last/ is an ordinary model, and a stopped run resumes exactly" {
  args=(-m "$W/model" --train "$W/train.jsonl" --video-dir "$W/videos" --epochs 4 --warmup 1 --lr 1e-2
        --lora-r 4 --lora-alpha 8 --lora-dropout 0.1 --checkpoint-layers --unfreeze model.layers.1.mlp. --save-every 1)
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/straight"
  [ "$(jq -r 'select(.type == "start") | "\(.lora_layers) \(.checkpoint_layers)"' "$BATS_TEST_TMPDIR/straight/log.jsonl")" = "4 true" ]
  [ -f "$BATS_TEST_TMPDIR/straight/last/lora.safetensors" ]
  run grove-convert inspect "$BATS_TEST_TMPDIR/straight/last"
  [[ "$output" == *$'  check\tcomplete'* ]]   # merged weights under the original names, nothing else
  # The merged q_proj differs from the start's: the LoRA matrices trained.
  run grove-convert compare "$W/model" "$BATS_TEST_TMPDIR/straight/last"
  [[ "$output" == *"model.layers.0.self_attn.q_proj.weight"* ]]
  # Stopped after 3 steps, then resumed: the same steps (dropout draws included) and the same weights.
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/stop" --max-steps 3
  [ "$(jq .global_step "$BATS_TEST_TMPDIR/stop/last/trainer.json")" -eq 3 ]
  grove-train -q "${args[@]}" -o "$BATS_TEST_TMPDIR/stop" --resume
  diff <(steps "$BATS_TEST_TMPDIR/straight") <(steps "$BATS_TEST_TMPDIR/stop")
  grove-convert compare "$BATS_TEST_TMPDIR/straight/last" "$BATS_TEST_TMPDIR/stop/last"
  grove-infer -q -m "$BATS_TEST_TMPDIR/stop/last" "$W/videos/a.mp4" | grove-convert -q count | grep -q prediction
}
