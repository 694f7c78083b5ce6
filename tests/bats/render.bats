#!/usr/bin/env bats
# grove-render: boxes drawn in their phrase's colour on the right frames, contact sheets and videos, bad input.
bats_require_minimum_version 1.5.0
load helpers

setup() {
  T=$BATS_TEST_TMPDIR
  grove-synth -q -n 2 --split test --video-dir "$T/videos" -o "$T/samples.jsonl"
  # A prediction made by hand: phrase 0 (tab10 blue, 31 119 180) boxed on frames 0 and 5, phrase 1 (orange,
  # 255 127 14) on frame 10 only.
  pred() {  # id source boxes-of-frame-0
    printf '%s\n' '{"type":"header","format":"grove-stream","version":1,"tool":"test"}' \
      "{\"type\":\"prediction\",\"id\":\"$1\",\"caption\":\"a thing and a box.\",\"tagged_caption\":\"<p> a thing </p> and <p> a box </p>.</s>\",\"phrases\":[\"a thing\",\"a box\"],\"frame_indices\":[0,5,10],\"boxes\":[$3,[[20,30,140,120]],[[150,100,300,220]]],\"labels\":[$( [ "$3" = "[]" ] && echo "[]" || echo '["a thing"]'),[\"a thing\"],[\"a box\"]],\"objectness\":[[],[],[]],\"width\":320,\"height\":240,\"source\":\"$2\"}"
  }
}

# How many pixels of a PNG have exactly the colour R G B.
count_colour() {
  ffmpeg -v error -i "$1" -f rawvideo -pix_fmt rgb24 - | od -An -v -tu1 -w3 | awk -v r="$2" -v g="$3" -v b="$4" '$1 == r && $2 == g && $3 == b { n++ } END { print n + 0 }'
}

@test "each box is drawn in its phrase's colour, and the sheet, MP4 and GIF have the prediction's frames" {
  pred clip "$T/videos/test_000000.mp4" '[[20,30,140,120]]' > "$T/pred.jsonl"
  run --separate-stderr grove-render "$T/pred.jsonl" -o "$T/out" --format png mp4 gif --sheet-frames 3 --columns 3
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"1 clips drawn (3 files)"* ]]
  [ -s "$T/out/clip.png" ] && [ -s "$T/out/clip.mp4" ] && [ -s "$T/out/clip.gif" ]
  for v in clip.mp4 clip.gif; do
    [ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$T/out/$v")" -eq 3 ]
  done
  [ "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$T/out/clip.mp4")" = "320,240" ]
  # Two blue rectangles of 120x90 and one orange of 150x120: their outlines hold hundreds of exact pixels each.
  blue=$(count_colour "$T/out/clip.png" 31 119 180)
  orange=$(count_colour "$T/out/clip.png" 255 127 14)
  echo "blue $blue orange $orange"
  [ "$blue" -gt 800 ] && [ "$orange" -gt 500 ]
  # Without frame 0's box, about one outline of blue less.
  pred clip "$T/videos/test_000000.mp4" '[]' > "$T/pred2.jsonl"
  grove-render -q "$T/pred2.jsonl" -o "$T/out2" --format png --sheet-frames 3 --columns 3
  blue2=$(count_colour "$T/out2/clip.png" 31 119 180)
  echo "blue without frame 0's box: $blue2"
  [ "$blue2" -lt $(( blue - 300 )) ]
}

@test "--gt adds the ground truth's boxes, dashed, and the sheet shows real grove-infer output" {
  grove-convert -q random --config micro --tokenizer "$DATA/text/tiny-tokenizer" -o "$T/model"
  grove-decode -q --samples "$T/samples.jsonl" --video-dir "$T/videos" -o "$T/frames.grove"
  grove-infer -q -m "$T/model" "$T/frames.grove" -o "$T/pred.grove"
  run --separate-stderr grove-render "$T/pred.grove" --gt "$T/samples.jsonl" -o "$T/out" --format png
  [ "$status" -eq 0 ]
  [ -s "$T/out/test_000000.png" ] && [ -s "$T/out/test_000001.png" ]
  # The ground truth alone (a prediction with no boxes) still marks the frames: some grey or coloured dashes.
  pred test_000000 "$T/videos/test_000000.mp4" '[]' | jq -c 'if .type == "prediction" then .boxes = [[],[],[]] | .labels = [[],[],[]] else . end' > "$T/empty.jsonl"
  grove-render -q "$T/empty.jsonl" -o "$T/plain" --format png
  grove-render -q "$T/empty.jsonl" --gt "$T/samples.jsonl" -o "$T/gt" --format png
  ! cmp -s "$T/plain/test_000000.png" "$T/gt/test_000000.png"
}

@test "a missing video is one error line naming it; the other clips are still drawn; exit 1" {
  { pred ok "$T/videos/test_000000.mp4" '[[20,30,140,120]]'; pred gone "$T/videos/nothing.mp4" '[]' | tail -1; } > "$T/pred.jsonl"
  run --separate-stderr grove-render -q "$T/pred.jsonl" -o "$T/out" --format png
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == *"nothing.mp4"* ]]
  [ -s "$T/out/ok.png" ] && [ ! -e "$T/out/gone.png" ]
  ! ls "$T/out" | grep -q tmp
}

@test "a malformed box or a frame whose labels do not match its boxes is that clip's one error line" {
  { pred ok "$T/videos/test_000000.mp4" '[[20,30,140,120]]'
    pred short "$T/videos/test_000000.mp4" '[[20,30,140]]' | tail -1
    pred unlabelled "$T/videos/test_000000.mp4" '[[20,30,140,120],[1,2,3,4]]' | tail -1; } > "$T/pred.jsonl"
  run --separate-stderr grove-render -q "$T/pred.jsonl" -o "$T/out" --format png
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 2 ]
  [[ "${stderr_lines[0]}" == "grove-render: error: short: a box must be [x1, y1, x2, y2]" ]]
  [[ "${stderr_lines[1]}" == "grove-render: error: unlabelled: frame 0 has 2 boxes but 1 labels" ]]
  [ -s "$T/out/ok.png" ] && [ ! -e "$T/out/short.png" ] && [ ! -e "$T/out/unlabelled.png" ]
}

@test "--video-dir finds moved videos; a truncated stream is one error line and exit 2" {
  mkdir "$T/moved" && cp "$T/videos/test_000001.mp4" "$T/moved/"
  pred moved "/no/such/dir/test_000001.mp4" '[]' > "$T/pred.jsonl"
  grove-render -q "$T/pred.jsonl" -o "$T/out" --format png --video-dir "$T/moved"
  [ -s "$T/out/moved.png" ]
  grove-convert -q from-jsonl "$T/pred.jsonl" -o "$T/pred.grove"
  head -c $(( $(stat -c %s "$T/pred.grove") - 20 )) "$T/pred.grove" > "$T/cut.grove"
  run --separate-stderr grove-render "$T/cut.grove" -o "$T/cut" --video-dir "$T/moved"
  [ "$status" -eq 2 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "grove-render: error: "*"cut.grove"* ]]
}
