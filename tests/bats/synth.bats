#!/usr/bin/env bats
# grove-synth: reproducible clips and samples whose boxes are where the shapes are, usable by decode and train.
bats_require_minimum_version 1.5.0
load helpers

@test "the same seed and split give the same samples and videos; splits differ" {
  grove-synth -q -n 3 --split val --video-dir "$BATS_TEST_TMPDIR/a" -o "$BATS_TEST_TMPDIR/a.jsonl"
  grove-synth -q -n 3 --split val --video-dir "$BATS_TEST_TMPDIR/b" -o "$BATS_TEST_TMPDIR/b.jsonl" -j 1
  cmp "$BATS_TEST_TMPDIR/a.jsonl" "$BATS_TEST_TMPDIR/b.jsonl"
  for f in val_000000 val_000001 val_000002; do
    cmp <(ffmpeg -v error -i "$BATS_TEST_TMPDIR/a/$f.mp4" -f rawvideo -pix_fmt rgb24 -) \
        <(ffmpeg -v error -i "$BATS_TEST_TMPDIR/b/$f.mp4" -f rawvideo -pix_fmt rgb24 -)
  done
  grove-synth -q -n 3 --split test --video-dir "$BATS_TEST_TMPDIR/c" -o "$BATS_TEST_TMPDIR/c.jsonl"
  ! cmp -s <(jq -c .caption "$BATS_TEST_TMPDIR/a.jsonl") <(jq -c .caption "$BATS_TEST_TMPDIR/c.jsonl")
  grove-convert -q validate "$BATS_TEST_TMPDIR/a.jsonl"
  # 4 s at 25 fps: 100 frames, 20 on the 5 fps grid; every phrase tagged once; each box labelled by a phrase.
  jq -e 'select(.type == "sample") | (.bboxes | length) == 20 and (.labels | length) == 20
         and ([.phrases[] as $p | .tagged_caption | contains("<p>" + $p + "</p>")] | all)
         and (. as $s | [.labels[][]] | all(. as $l | $s.phrases | index($l) != null))' "$BATS_TEST_TMPDIR/a.jsonl"
  [ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$BATS_TEST_TMPDIR/a/val_000000.mp4")" -eq 100 ]
}

@test "a box covers its shape's colour in the decoded frame, and the background lies outside" {
  grove-synth -q -n 4 --seed 7 --video-dir "$BATS_TEST_TMPDIR/v" -o "$BATS_TEST_TMPDIR/s.jsonl"
  grove-decode -q --samples "$BATS_TEST_TMPDIR/s.jsonl" --video-dir "$BATS_TEST_TMPDIR/v" -o "$BATS_TEST_TMPDIR/f.grove"
  grove-convert -q pixels "$BATS_TEST_TMPDIR/f.grove" -o "$BATS_TEST_TMPDIR/px.rgb"
  # The first sample's first box with its frame: the pixel at the box's centre is far from the background's colour
  # (the corner pixel), for a square, circle, diamond or triangle alike (their centres are inside).
  read -r id t x1 y1 x2 y2 < <(jq -r 'select(.type == "sample") | . as $s | [range(0; .bboxes | length)] | map(select(($s.bboxes[.] | length) > 0))[0] as $t
      | "\($s.id) \($t) \($s.bboxes[$t][0] | map(floor) | join(" "))"' "$BATS_TEST_TMPDIR/s.jsonl" | head -1)
  [ -n "$id" ]
  frame=$((t))   # the first sample's frames come first in px.rgb
  pixel() { od -An -tu1 -j $(( (frame * 240 * 320 + $2 * 320 + $1) * 3 )) -N 3 "$BATS_TEST_TMPDIR/px.rgb" | tr -s ' ' | sed 's/^ //'; }
  read -r r g b <<< "$(pixel $(( (x1 + x2) / 2 )) $(( (y1 + y2) / 2 )))"
  read -r br bg bb <<< "$(pixel 0 0)"
  d=$(( (r - br) * (r - br) + (g - bg) * (g - bg) + (b - bb) * (b - bb) ))
  echo "centre $r $g $b background $br $bg $bb"
  [ "$d" -gt 3000 ]
}

@test "without ffmpeg or with a bad directory, one clear error" {
  run --separate-stderr env PATH=/nonexistent "$GROVE_BIN/grove-synth" -n 1 --video-dir "$BATS_TEST_TMPDIR/x" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"ffmpeg"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/x.jsonl" ]
}

@test "--tokenizer: a vocabulary for the captions, one piece a word, that the synth config takes" {
  grove-synth -q --tokenizer "$BATS_TEST_TMPDIR/tok"
  [ -f "$BATS_TEST_TMPDIR/tok/tokenizer.json" ]
  [ "$(jq -r '."[DET]"' "$BATS_TEST_TMPDIR/tok/added_tokens.json")" = 609 ]
  grove-synth -q -n 3 --split test --video-dir "$BATS_TEST_TMPDIR/v" -o "$BATS_TEST_TMPDIR/s.jsonl" --tokenizer "$BATS_TEST_TMPDIR/tok2"
  cmp "$BATS_TEST_TMPDIR/tok/tokenizer.json" "$BATS_TEST_TMPDIR/tok2/tokenizer.json"
  jq -r 'select(.type == "sample") | .caption' "$BATS_TEST_TMPDIR/s.jsonl" > "$BATS_TEST_TMPDIR/captions"
  grove-convert -q tokenize --no-bos --pieces "$BATS_TEST_TMPDIR/tok" -i "$BATS_TEST_TMPDIR/captions" > "$BATS_TEST_TMPDIR/pieces"
  cat "$BATS_TEST_TMPDIR/pieces"
  diff <(awk '{print NF}' "$BATS_TEST_TMPDIR/captions") <(awk '{print NF}' "$BATS_TEST_TMPDIR/pieces")
  grove-convert -q random --config synth --init scratch --tokenizer "$BATS_TEST_TMPDIR/tok" -o "$BATS_TEST_TMPDIR/m"
  [ "$(jq .tokens.det "$BATS_TEST_TMPDIR/m/config.json")" = 609 ]
}

@test "neither --video-dir nor --tokenizer: one clear error, nothing written" {
  run --separate-stderr grove-synth -n 1 -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--video-dir"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/x.jsonl" ]
}
