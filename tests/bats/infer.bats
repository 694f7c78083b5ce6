#!/usr/bin/env bats
# grove-infer on real decoded videos (ffmpeg's test patterns) with a small random model (share/grove/configs/micro.json
# and the tiny tokenizer of tests/data/text): the output's structure, determinism, both protocols, the KV cache,
# crash-and-resume, sharding and failures. A random model's captions are noise; what is checked is everything else.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  export W="$BATS_FILE_TMPDIR"
  grove-convert -q random --config micro --tokenizer "$DATA/text/tiny-tokenizer" -o "$W/model"
  ffmpeg -loglevel error -f lavfi -i testsrc=size=160x120:rate=25 -t 3 -pix_fmt yuv420p "$W/a.mp4"     # 15 frames at 5 fps
  ffmpeg -loglevel error -f lavfi -i testsrc2=size=96x64:rate=10 -t 1 -pix_fmt yuv420p "$W/b.mp4"      # 5 frames: < 8
  ffmpeg -loglevel error -f lavfi -i mandelbrot=size=128x96:rate=30 -t 9 -pix_fmt yuv420p "$W/c.mp4"   # 45 frames
  grove-decode -q "$W/a.mp4" "$W/b.mp4" "$W/c.mp4" -o "$W/frames.grove"
}

predictions() { grove-convert -q to-jsonl "$1" | jq -c 'select(.type == "prediction")'; }

@test "decode | infer: one prediction per clip, one entry per decoded frame, consistent, and the same every run" {
  grove-decode -q "$W/a.mp4" "$W/b.mp4" "$W/c.mp4" | grove-infer -q -m "$W/model" -o "$BATS_TEST_TMPDIR/p1.grove"
  grove-infer -q -m "$W/model" "$W/frames.grove" -o "$BATS_TEST_TMPDIR/p2.grove"
  cmp "$BATS_TEST_TMPDIR/p1.grove" "$BATS_TEST_TMPDIR/p2.grove"
  grove-convert -q validate "$BATS_TEST_TMPDIR/p1.grove"
  run predictions "$BATS_TEST_TMPDIR/p1.grove"
  [ "${#lines[@]}" -eq 3 ]
  # Frame entries are the decoded frames, in order; boxes, labels and objectness line up with them and the phrases.
  for clip in a:15 b:5 c:45; do
    id=${clip%:*} n=${clip#*:}
    p=$(predictions "$BATS_TEST_TMPDIR/p1.grove" | jq -c "select(.id == \"$id\")")
    f=$(grove-convert -q to-jsonl "$W/frames.grove" | jq -c "select(.id == \"$id\") | .frame_indices")
    [ "$(jq -c .frame_indices <<< "$p")" = "$f" ]
    [ "$(jq '.frame_indices | length' <<< "$p")" -eq "$n" ]
    jq -e '(.boxes | length) == (.frame_indices | length) and (.labels | length) == (.boxes | length)
           and (.objectness | length) == (.boxes | length)
           and (. as $p | all(range(0; $p.boxes | length); ($p.boxes[.] | length) == ($p.labels[.] | length)))
           and all(.boxes[][]; length == 4)
           and .protocol == "iground" and .width > 0 and .height > 0' <<< "$p"
  done
}

@test "teacher-forced: the given caption, one box per phrase in every frame, no objectness" {
  cat > "$BATS_TEST_TMPDIR/samples.jsonl" <<'JSON'
{"type":"header","format":"grove-stream","version":1,"tool":"test","tool_version":"0"}
{"type":"sample","id":"a","video_fname":"a.mp4","fps":25.0,"clip_start_frame":0,"clip_end_frame":70,"width":160,"height":120,"caption":"A man cuts an onion on the table.","tagged_caption":"<p>A man</p> cuts <p>an onion</p> on the table.","phrases":["A man","an onion"],"bboxes":[],"labels":[]}
{"type":"sample","id":"c","video_fname":"c.mp4","fps":30.0,"clip_start_frame":0,"clip_end_frame":264,"width":128,"height":96,"caption":"The wheel turns.","tagged_caption":"<p>The wheel</p> turns.","phrases":["The wheel"],"bboxes":[],"labels":[]}
JSON
  run --separate-stderr grove-infer -m "$W/model" --protocol teacher-forced --samples "$BATS_TEST_TMPDIR/samples.jsonl" \
    "$W/frames.grove" -o "$BATS_TEST_TMPDIR/tf.jsonl"
  [ "$status" -eq 1 ]   # clip b has no caption: an error record, the others done
  [[ "$stderr" == *"b: no sample record with a caption for this clip"* ]]
  p=$(jq -c 'select(.type == "prediction" and .id == "a")' "$BATS_TEST_TMPDIR/tf.jsonl")
  [ "$(jq -c .phrases <<< "$p")" = '["a man","an onion"]' ]
  [ "$(jq -r .tagged_caption <<< "$p")" = "<p> a man </p> cuts <p> an onion </p> on the table." ]
  [ "$(jq -r .caption <<< "$p")" = "a man cuts an onion on the table." ]
  jq -e 'all(.boxes[]; length == 2) and all(.labels[]; . == ["a man", "an onion"]) and all(.objectness[]; length == 0)
         and .protocol == "teacher-forced" and (.boxes | length) == 15' <<< "$p"
  jq -e 'select(.type == "prediction" and .id == "c") | all(.boxes[]; length == 1) and (.boxes | length) == 45' \
    "$BATS_TEST_TMPDIR/tf.jsonl"
  [ "$(jq -c 'select(.type == "error") | .id' "$BATS_TEST_TMPDIR/tf.jsonl")" = '"b"' ]
  # The whole caption as one phrase (VidSTG).
  grove-infer -q -m "$W/model" --protocol teacher-forced --caption-format sentence --samples "$BATS_TEST_TMPDIR/samples.jsonl" \
    "$W/frames.grove" -o "$BATS_TEST_TMPDIR/vs.jsonl" || true
  [ "$(jq -c 'select(.id == "c" and .type == "prediction") | .phrases' "$BATS_TEST_TMPDIR/vs.jsonl")" = '["The wheel turns."]' ]
}

@test "teacher-forced: tagged answers get the interleaved-boxes instruction by default, sentences the single-box one" {
  cat > "$BATS_TEST_TMPDIR/samples.jsonl" <<'JSON'
{"type":"header","format":"grove-stream","version":1,"tool":"test","tool_version":"0"}
{"type":"sample","id":"a","video_fname":"a.mp4","fps":25.0,"clip_start_frame":0,"clip_end_frame":70,"width":160,"height":120,"caption":"A man cuts an onion on the table.","tagged_caption":"<p>A man</p> cuts <p>an onion</p> on the table.","phrases":["A man","an onion"],"bboxes":[],"labels":[]}
JSON
  grounded="Could you please give me a description of the video? Please respond with interleaved bounding boxes for the corresponding parts of the answer."
  single="Could you please give me a description of the video? Please include a single bounding box per frame capturing the activity described in the caption."
  boxes() {
    grove-decode -q "$W/a.mp4" | grove-infer -q -m "$W/model" --protocol teacher-forced \
      --samples "$BATS_TEST_TMPDIR/samples.jsonl" "$@" -o - | grove-convert -q to-jsonl - | jq -c 'select(.type == "prediction") | .boxes'
  }
  tagged=$(boxes)
  [ -n "$tagged" ]
  [ "$tagged" = "$(boxes --instruction "$grounded")" ]
  [ "$tagged" != "$(boxes --instruction "$single")" ]
  sentence=$(boxes --caption-format sentence)
  [ "$sentence" = "$(boxes --caption-format sentence --instruction "$single")" ]
  [ "$sentence" != "$(boxes --caption-format sentence --instruction "$grounded")" ]
}

@test "generation without the KV cache writes the same predictions" {
  grove-infer -q -m "$W/model" "$W/frames.grove" -o "$BATS_TEST_TMPDIR/cache.grove"
  grove-infer -q -m "$W/model" --no-cache "$W/frames.grove" -o "$BATS_TEST_TMPDIR/nocache.grove"
  cmp "$BATS_TEST_TMPDIR/cache.grove" "$BATS_TEST_TMPDIR/nocache.grove"
}

@test "--clip-batch generates several clips' captions together, with the results of one at a time" {
  grove-infer -q -m "$W/model" "$W/frames.grove" -o "$BATS_TEST_TMPDIR/one.jsonl"
  grove-infer -q -m "$W/model" --clip-batch 2 "$W/frames.grove" -o "$BATS_TEST_TMPDIR/two.jsonl"
  # The same clips, generated captions, phrases and box counts (a random model keeps few boxes, so coordinates
  # are compared by the teacher-forced test's determinism instead).
  shape='select(.type == "prediction") | [.id, .caption, .phrases, [.boxes[] | length]]'
  diff <(jq -c "$shape" "$BATS_TEST_TMPDIR/one.jsonl") <(jq -c "$shape" "$BATS_TEST_TMPDIR/two.jsonl")
}

@test "kill -9 mid-run, then --resume: the same final output as an uninterrupted run" {
  for i in 1 2 3; do cat "$W/frames.grove"; done > "$BATS_TEST_TMPDIR/in.grove"   # 9 clips (ids repeat: 3 each)
  grove-convert -q to-jsonl "$BATS_TEST_TMPDIR/in.grove" | jq -c 'if .type == "frames" then .id += "-\(input_line_number)" else . end' \
    | grove-convert -q from-jsonl -o "$BATS_TEST_TMPDIR/clips.grove"
  out="$BATS_TEST_TMPDIR/out.grove.zst"
  grove-infer -q --threads 1 -m "$W/model" --resume "$BATS_TEST_TMPDIR/clips.grove" -o "$out" &
  pid=$!
  until [ -s "$out.partial" ] && [ "$(grove-convert count "$out.partial" 2>/dev/null | awk '$1 == "prediction" {print $2}')" -ge 2 ]; do
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" || true
  [ ! -e "$out" ]   # killed before the end
  run --separate-stderr grove-infer -m "$W/model" --resume "$BATS_TEST_TMPDIR/clips.grove" -o "$out"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"records kept from the interrupted run"* ]]
  [[ "$stderr" == *"already done"* ]]
  [ ! -e "$out.partial" ]
  grove-infer -q -m "$W/model" "$BATS_TEST_TMPDIR/clips.grove" -o "$BATS_TEST_TMPDIR/straight.grove.zst"
  cmp <(zstd -dc "$out") <(zstd -dc "$BATS_TEST_TMPDIR/straight.grove.zst")
}

@test "video files are decoded in process; --shard i/n splits the clips" {
  grove-infer -q -m "$W/model" "$W/a.mp4" "$W/b.mp4" "$W/c.mp4" -o "$BATS_TEST_TMPDIR/v.grove"
  cmp <(predictions "$BATS_TEST_TMPDIR/v.grove") <(predictions <(grove-infer -q -m "$W/model" "$W/frames.grove"))
  grove-infer -q -m "$W/model" --shard 0/2 "$W/frames.grove" -o "$BATS_TEST_TMPDIR/s0.grove"
  grove-infer -q -m "$W/model" --shard 1/2 "$W/frames.grove" -o "$BATS_TEST_TMPDIR/s1.grove"
  [ "$(predictions "$BATS_TEST_TMPDIR/s0.grove" | jq -r .id | tr '\n' ' ')" = "a c " ]
  [ "$(predictions "$BATS_TEST_TMPDIR/s1.grove" | jq -r .id | tr '\n' ' ')" = "b " ]
}

@test "bad inputs: one line naming the file, and nothing else lost" {
  run --separate-stderr grove-infer -m "$BATS_TEST_TMPDIR/none" "$W/frames.grove"
  [ "$status" -eq 2 ]
  [ "$stderr" = "grove-infer: error: $BATS_TEST_TMPDIR/none: not a model directory (no such directory)" ]
  { printf 'not a video: '; head -c 3000 /dev/urandom; } > "$BATS_TEST_TMPDIR/broken.mp4"   # a first byte no stream starts with
  run --separate-stderr grove-infer -m "$W/model" "$W/b.mp4" "$BATS_TEST_TMPDIR/broken.mp4" -o "$BATS_TEST_TMPDIR/o.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"broken.mp4"* ]]
  [ "$(jq -r 'select(.type == "prediction") | .id' "$BATS_TEST_TMPDIR/o.jsonl")" = "b" ]
  [ "$(jq -r 'select(.type == "error") | .id' "$BATS_TEST_TMPDIR/o.jsonl")" = "broken" ]
  head -c 100 "$W/frames.grove" > "$BATS_TEST_TMPDIR/cut.grove"
  run --separate-stderr grove-infer -m "$W/model" "$BATS_TEST_TMPDIR/cut.grove" -o "$BATS_TEST_TMPDIR/cut.out"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"cut.grove"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/cut.out" ]
  run --separate-stderr grove-infer -m "$W/model" --device cuda:0 "$W/frames.grove"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--device"* ]]
}

@test "grove-convert reads the original's prediction pickles and writes them back" {
  # tests/data/infer/predictions.pkl was written by Python's pickle with numpy, as infer_iground.py writes it.
  grove-convert -q from-pickle "$DATA/infer/predictions.pkl" -o "$BATS_TEST_TMPDIR/read.jsonl"
  diff <(jq -cS 'select(.type == "prediction")' "$DATA/infer/predictions.jsonl") \
       <(jq -cS 'select(.type == "prediction")' "$BATS_TEST_TMPDIR/read.jsonl")
  # A box past the last phrase has the label "" in grove and none in the pickle, as in the original's.
  [ "$(jq -c 'select(.id == "vid1_3") | .labels[2]' "$BATS_TEST_TMPDIR/read.jsonl")" = '["a man","an onion",""]' ]
  grove-convert -q to-pickle "$BATS_TEST_TMPDIR/read.jsonl" -o "$BATS_TEST_TMPDIR/again.pkl"
  grove-convert -q from-pickle "$BATS_TEST_TMPDIR/again.pkl" -o "$BATS_TEST_TMPDIR/again.jsonl"
  cmp "$BATS_TEST_TMPDIR/read.jsonl" "$BATS_TEST_TMPDIR/again.jsonl"
  # grove-infer's output goes the same way round.
  grove-infer -q -m "$W/model" "$W/frames.grove" -o "$BATS_TEST_TMPDIR/p.grove"
  grove-convert -q to-pickle "$BATS_TEST_TMPDIR/p.grove" -o "$BATS_TEST_TMPDIR/p.pkl"
  diff <(grove-convert -q to-jsonl "$BATS_TEST_TMPDIR/p.grove" | jq -c 'select(.type == "prediction") | [.id, .caption, .tagged_caption, .phrases, .boxes, .labels, .objectness]') \
       <(grove-convert -q from-pickle "$BATS_TEST_TMPDIR/p.pkl" | grove-convert -q to-jsonl | jq -c 'select(.type == "prediction") | [.id, .caption, .tagged_caption, .phrases, .boxes, .labels, .objectness]')
  # Where Python and numpy are at hand, they load grove's pickle too.
  if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    /usr/bin/python3 -c 'import pickle, sys; d = pickle.load(open(sys.argv[1], "rb")); assert d["vid1_3"]["pred_bboxes"][2].shape == (3, 4); assert d["vid1_3"]["pred_labels"][2] == ["a man", "an onion"]; assert str(d["vid1_3"]["probs_temp_objectness"][0].dtype) == "float32"' "$BATS_TEST_TMPDIR/again.pkl"
  fi
  printf 'not a pickle' > "$BATS_TEST_TMPDIR/bad.pkl"
  run --separate-stderr grove-convert from-pickle "$BATS_TEST_TMPDIR/bad.pkl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "grove-convert: error: $BATS_TEST_TMPDIR/bad.pkl: "* ]]
}
