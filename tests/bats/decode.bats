#!/usr/bin/env bats
# grove-decode on videos generated here with the ffmpeg CLI: the frame indices it chooses, and its pixels against
# the ffmpeg CLI's own decoding of the same frames (within 2/255).
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  export V="$BATS_FILE_TMPDIR"
  gen() { ffmpeg -v error -y "$@"; }
  # Moving content, so every frame differs (testsrc, not testsrc2, keeps odd sizes odd in 4:2:0).
  gen -f lavfi -i testsrc2=size=320x240:rate=25:duration=4 -c:v libx264 -pix_fmt yuv420p -g 30 "$V/h264_25.mp4"
  gen -f lavfi -i testsrc=size=321x181:rate=30000/1001:duration=3 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 \
      -pix_fmt yuv420p "$V/vp9_2997_odd.webm"
  gen -f lavfi -i testsrc2=size=256x144:rate=30:duration=3 -c:v mpeg4 -q:v 3 "$V/mpeg4_30.avi"
  gen -f lavfi -i testsrc2=size=455x256:rate=30:duration=3 -c:v libx264 -pix_fmt yuv444p "$V/h264_odd_444.mp4"
  gen -f lavfi -i testsrc=size=454x256:rate=30:duration=3 -c:v libx264 -pix_fmt yuv420p "$V/h264_454.mp4"
  gen -i "$V/h264_25.mp4" -c copy -metadata:s:v:0 rotate=90 "$V/rot90.mp4"
  gen -f lavfi -i testsrc2=size=160x120:rate=30:duration=2 -c:v libx264 -pix_fmt yuv420p -g 10 -bf 2 \
      -output_ts_offset 5 "$V/offset_gop10.mp4"
  # Variable frame rate: 20 frames 0.1 s apart, then 40 frames 1/30 s apart.
  gen -f lavfi -i testsrc2=size=160x120:rate=30:duration=2 -vf "setpts='if(lt(N,20),N*3,40+N)/30/TB'" -fps_mode vfr \
      -c:v libx264 -pix_fmt yuv420p "$V/vfr.mkv"
}

# max |a-b| over the bytes of two equally long files (0 when identical).
max_diff() {
  [ "$(stat -c %s "$1")" -eq "$(stat -c %s "$2")" ] || { echo "size $(stat -c %s "$1") != $(stat -c %s "$2")"; return 1; }
  cmp -l "$1" "$2" | awk 'function oct(s,  v, i) { v = 0; for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1); return v }
    BEGIN { m = 0 } { a = oct($2); b = oct($3); d = a > b ? a - b : b - a; if (d > m) m = d } END { print m }'
}

# ffmpeg's own frames n in $2 (comma-separated) of video $1, as raw RGB24 (autorotated, like grove).
ffmpeg_frames() {
  local sel
  sel=$(echo "$2" | sed 's/\([0-9]*\)/eq(n\\,\1)/g; s/,eq/+eq/g')
  ffmpeg -v error -i "$1" -vf "select='$sel'" -fps_mode passthrough -f rawvideo -pix_fmt rgb24 -
}

# frame_indices of the first frames record of stream $1, comma-separated.
indices() { grove-convert to-jsonl "$1" | sed -n 2p | grep -o '"frame_indices":\[[^]]*\]' | sed 's/.*\[\(.*\)\]/\1/'; }
field() { grove-convert to-jsonl "$1" | sed -n 2p | grep -o "\"$2\":[^,]*" | cut -d: -f2; }

check_video() {  # video, expected indices
  local v=$1 want=$2
  grove-decode -q --fps 5 "$v" -o "$BATS_TEST_TMPDIR/d.grove"
  [ "$(indices "$BATS_TEST_TMPDIR/d.grove")" = "$want" ] || { echo "$v: indices $(indices "$BATS_TEST_TMPDIR/d.grove") != $want"; return 1; }
  grove-convert pixels -q "$BATS_TEST_TMPDIR/d.grove" > "$BATS_TEST_TMPDIR/g.raw"
  ffmpeg_frames "$v" "$want" > "$BATS_TEST_TMPDIR/f.raw"
  d=$(max_diff "$BATS_TEST_TMPDIR/g.raw" "$BATS_TEST_TMPDIR/f.raw")
  echo "$v: max pixel difference $d"
  [ "$d" -le 2 ]
}

@test "h264/mp4 at 25 fps: step int(25/5)=5, pixels equal to ffmpeg's" {
  check_video "$V/h264_25.mp4" "0,5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95"
}

@test "vp9/webm at 29.97 fps with an odd size: step 5, pixels equal to ffmpeg's" {
  want=$(seq -s, 0 5 89)
  check_video "$V/vp9_2997_odd.webm" "$want"
  [ "$(field "$BATS_TEST_TMPDIR/d.grove" width)" = 321 ]
  [ "$(field "$BATS_TEST_TMPDIR/d.grove" height)" = 181 ]
  [[ "$(field "$BATS_TEST_TMPDIR/d.grove" fps)" == 29.97002997* ]]
}

@test "mpeg4/avi at 30 fps: step 6, pixels equal to ffmpeg's" {
  check_video "$V/mpeg4_30.avi" "$(seq -s, 0 6 89)"
}

@test "h264 4:4:4 at 455x256 (odd width): pixels equal to ffmpeg's" {
  check_video "$V/h264_odd_444.mp4" "$(seq -s, 0 6 89)"
}

@test "h264 4:2:0 at 454x256 (a width that is not a multiple of 16): pixels equal to ffmpeg's" {
  check_video "$V/h264_454.mp4" "$(seq -s, 0 6 89)"
}

@test "a rotated video is decoded upright, as the ffmpeg CLI shows it" {
  check_video "$V/rot90.mp4" "0,5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95"
  [ "$(field "$BATS_TEST_TMPDIR/d.grove" width)" = 240 ]
  [ "$(field "$BATS_TEST_TMPDIR/d.grove" height)" = 320 ]
  [ "$(field "$BATS_TEST_TMPDIR/d.grove" pixel_width)" = 240 ]
}

@test "a non-zero start time: indices count from the first frame, timestamps from the stream start" {
  check_video "$V/offset_gop10.mp4" "$(seq -s, 0 6 59)"
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/d.grove" | sed -n 2p | grep -q '"timestamps":\[0.0,0.2,0.4'
}

@test "variable frame rate: frames indexed in presentation order, timestamps as stored" {
  grove-decode -q --all "$V/vfr.mkv" -o "$BATS_TEST_TMPDIR/v.grove"
  [ "$(indices "$BATS_TEST_TMPDIR/v.grove")" = "$(seq -s, 0 59)" ]
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/v.grove" | sed -n 2p | grep -q '"timestamps":\[0.0,0.1,0.2,'
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/v.grove" | sed -n 2p | grep -q ',1.9,2.0,2.033,2.067,'
  grove-convert pixels -q "$BATS_TEST_TMPDIR/v.grove" > "$BATS_TEST_TMPDIR/g.raw"
  ffmpeg -v error -i "$V/vfr.mkv" -fps_mode passthrough -f rawvideo -pix_fmt rgb24 - > "$BATS_TEST_TMPDIR/f.raw"
  [ "$(max_diff "$BATS_TEST_TMPDIR/g.raw" "$BATS_TEST_TMPDIR/f.raw")" -le 2 ]
}

@test "--frames 8 --sampling center takes the centre of 8 segments of the 5 fps grid" {
  # 25 fps, 100 frames: grid of 20 (0,5,...,95); seg = 2; mids 1,3,...,13 and the last (14+20)//2=17.
  grove-decode -q --frames 8 "$V/h264_25.mp4" -o "$BATS_TEST_TMPDIR/c.grove"
  [ "$(indices "$BATS_TEST_TMPDIR/c.grove")" = "5,15,25,35,45,55,65,85" ]
  grove-convert pixels -q "$BATS_TEST_TMPDIR/c.grove" > "$BATS_TEST_TMPDIR/g.raw"
  ffmpeg_frames "$V/h264_25.mp4" "5,15,25,35,45,55,65,85" > "$BATS_TEST_TMPDIR/f.raw"
  [ "$(max_diff "$BATS_TEST_TMPDIR/g.raw" "$BATS_TEST_TMPDIR/f.raw")" -le 2 ]
}

@test "--frames 8 --sampling random is reproducible with a seed, one frame per segment" {
  grove-decode -q --frames 8 --sampling random --seed 3 "$V/h264_25.mp4" -o "$BATS_TEST_TMPDIR/r1.grove"
  grove-decode -q --frames 8 --sampling random --seed 3 "$V/h264_25.mp4" -o "$BATS_TEST_TMPDIR/r2.grove"
  cmp "$BATS_TEST_TMPDIR/r1.grove" "$BATS_TEST_TMPDIR/r2.grove"
  IFS=, read -ra got <<< "$(indices "$BATS_TEST_TMPDIR/r1.grove")"
  [ "${#got[@]}" -eq 8 ]
  for s in 0 1 2 3 4 5 6; do   # segment s covers grid positions [2s, 2s+2) -> frames [10s, 10s+5]
    (( got[s] >= 10 * s && got[s] <= 10 * s + 5 && got[s] % 5 == 0 ))
  done
  (( got[7] >= 70 && got[7] <= 95 ))
}

@test "--all decodes every frame; --max-side downscales the pixels but keeps the original size" {
  grove-decode -q --all "$V/mpeg4_30.avi" -o "$BATS_TEST_TMPDIR/a.grove"
  [ "$(indices "$BATS_TEST_TMPDIR/a.grove")" = "$(seq -s, 0 89)" ]
  grove-decode -q --max-side 128 "$V/mpeg4_30.avi" -o "$BATS_TEST_TMPDIR/s.grove"
  [ "$(field "$BATS_TEST_TMPDIR/s.grove" width)" = 256 ]
  [ "$(field "$BATS_TEST_TMPDIR/s.grove" pixel_width)" = 128 ]
  [ "$(field "$BATS_TEST_TMPDIR/s.grove" pixel_height)" = 72 ]
  grove-convert validate -q "$BATS_TEST_TMPDIR/s.grove"
}

@test "sample records: exactly the clip window each names, relative to --video-dir, passed through with their frames" {
  ex="$DATA/all-records.jsonl"
  { head -1 "$ex"
    sed -n 3p "$ex" | sed -e 's/"video_fname":"vid01.mp4"/"video_fname":"h264_25.mp4"/' -e 's/"fps":29.97002997002997/"fps":25.0/' \
      -e 's/"clip_start_frame":120,"clip_end_frame":126/"clip_start_frame":12,"clip_end_frame":27/'
  } > "$BATS_TEST_TMPDIR/s.jsonl"
  grove-decode -q --samples "$BATS_TEST_TMPDIR/s.jsonl" --video-dir "$V" -o "$BATS_TEST_TMPDIR/f.grove"
  [ "$(grove-convert count "$BATS_TEST_TMPDIR/f.grove" | tr '\n' ' ')" = "$(printf 'frames\t1 sample\t1 total\t2 ')" ]
  # 16 frames at 25 fps: grid 12,17,22,27 is 4 entries, but the sample has 2 annotation entries -> kept as is
  # (the end-exclusive fallback applies only when the grid is longer than the annotations; here: 12,17,22).
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/f.grove" | grep '"type":"frames"' | grep -q '"frame_indices":\[12,17,22\],'
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/f.grove" | grep '"type":"frames"' | grep -q '"clip_start_frame":12,"clip_end_frame":27'
}

@test "paths on stdin, several videos in parallel, output in input order" {
  printf '%s\n' "$V/h264_25.mp4" "$V/mpeg4_30.avi" "$V/vp9_2997_odd.webm" "$V/rot90.mp4" | grove-decode -q -j 3 -o "$BATS_TEST_TMPDIR/m.grove"
  [ "$(grove-convert to-jsonl "$BATS_TEST_TMPDIR/m.grove" | grep -o '"id":"[^"]*"' | tr '\n' ' ')" = '"id":"h264_25" "id":"mpeg4_30" "id":"vp9_2997_odd" "id":"rot90" ' ]
  grove-decode -q -j 1 "$V/h264_25.mp4" "$V/mpeg4_30.avi" "$V/vp9_2997_odd.webm" "$V/rot90.mp4" -o "$BATS_TEST_TMPDIR/s.grove"
  cmp "$BATS_TEST_TMPDIR/m.grove" "$BATS_TEST_TMPDIR/s.grove"
}

@test "bad inputs: an error record and one stderr line each, the good videos still decoded, exit 1" {
  : > "$BATS_TEST_TMPDIR/empty.mp4"
  head -c 20000 "$V/h264_25.mp4" > "$BATS_TEST_TMPDIR/truncated.mp4"
  echo "not a video" > "$BATS_TEST_TMPDIR/text.mp4"
  ffmpeg -v error -f lavfi -i sine=duration=1 "$BATS_TEST_TMPDIR/audio.wav"
  run --separate-stderr grove-decode -q "$V/h264_25.mp4" "$BATS_TEST_TMPDIR/missing.mp4" "$BATS_TEST_TMPDIR/empty.mp4" \
      "$BATS_TEST_TMPDIR/truncated.mp4" "$BATS_TEST_TMPDIR/text.mp4" "$BATS_TEST_TMPDIR/audio.wav" "$V/mpeg4_30.avi" \
      -o "$BATS_TEST_TMPDIR/out.grove"
  [ "$status" -eq 1 ]
  echo "$stderr"
  [ "${#stderr_lines[@]}" -eq 5 ]
  [[ "${stderr_lines[0]}" == "grove-decode: error: $BATS_TEST_TMPDIR/missing.mp4: No such file or directory" ]]
  [[ "${stderr_lines[1]}" == "grove-decode: error: $BATS_TEST_TMPDIR/empty.mp4: "* ]]
  [[ "${stderr_lines[2]}" == "grove-decode: error: $BATS_TEST_TMPDIR/truncated.mp4: "* ]]
  [[ "${stderr_lines[3]}" == "grove-decode: error: $BATS_TEST_TMPDIR/text.mp4: "* ]]
  [[ "${stderr_lines[4]}" == "grove-decode: error: $BATS_TEST_TMPDIR/audio.wav: no video stream" ]]
  [ "$(grove-convert count "$BATS_TEST_TMPDIR/out.grove" | tr '\n' ' ')" = "$(printf 'error\t5 frames\t2 total\t7 ')" ]
  grove-convert validate -q "$BATS_TEST_TMPDIR/out.grove"
}

@test "a sample whose clip window runs past the end of its video is an error record" {
  ex="$DATA/all-records.jsonl"
  { head -1 "$ex"
    sed -n 3p "$ex" | sed -e 's/"video_fname":"vid01.mp4"/"video_fname":"h264_25.mp4"/' \
      -e 's/"clip_start_frame":120,"clip_end_frame":126/"clip_start_frame":90,"clip_end_frame":150/'
  } > "$BATS_TEST_TMPDIR/s.jsonl"
  run --separate-stderr grove-decode -q --samples "$BATS_TEST_TMPDIR/s.jsonl" --video-dir "$V" -o "$BATS_TEST_TMPDIR/o.grove"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "grove-decode: error: $V/h264_25.mp4: clip window [90, 150] of vid01_3 ends past the video's last frame (100 frames)" ]]
  grove-convert to-jsonl "$BATS_TEST_TMPDIR/o.grove" | grep -q '"type":"error","id":"vid01_3"'
}

@test "an invalid sample record is that clip's error record; the next sample is still decoded" {
  ex="$DATA/all-records.jsonl"
  good=$(sed -n 3p "$ex" | sed -e 's/"video_fname":"vid01.mp4"/"video_fname":"h264_25.mp4"/' -e 's/"fps":29.97002997002997/"fps":25.0/' \
      -e 's/"clip_start_frame":120,"clip_end_frame":126/"clip_start_frame":12,"clip_end_frame":27/')
  { head -1 "$ex"; echo "$good" | sed -e 's/"id":"vid01_3"/"id":"broken"/' -e 's/"fps":25.0,//'; echo "$good"; } > "$BATS_TEST_TMPDIR/s.jsonl"
  run --separate-stderr grove-decode -q --samples "$BATS_TEST_TMPDIR/s.jsonl" --video-dir "$V" -o "$BATS_TEST_TMPDIR/o.grove"
  [ "$status" -eq 1 ]
  [ "$stderr" = "grove-decode: error: $BATS_TEST_TMPDIR/s.jsonl: sample record \"broken\": missing field \"fps\"" ]
  [ "$(grove-convert count "$BATS_TEST_TMPDIR/o.grove" | tr '\n' ' ')" = "$(printf 'error\t1 frames\t1 sample\t1 total\t3 ')" ]
}

@test "--shard i/n decodes every n-th clip" {
  grove-decode -q --shard 1/2 "$V/h264_25.mp4" "$V/mpeg4_30.avi" "$V/vp9_2997_odd.webm" "$V/rot90.mp4" -o "$BATS_TEST_TMPDIR/s.grove"
  [ "$(grove-convert to-jsonl "$BATS_TEST_TMPDIR/s.grove" | grep -o '"id":"[^"]*"' | tr '\n' ' ')" = '"id":"mpeg4_30" "id":"rot90" ' ]
}
