#!/usr/bin/env bash
# Frame extraction speed: grove-decode against the two ways of getting the same frames with the ffmpeg CLI, measured
# in the same run on the same clips.
#   (a) per-frame: one ffmpeg process per frame with an input seek (-ss t -i clip -frames:v 1), run serially. This is
#       what the original Python does: every frame it reads is its own ffmpeg subprocess, started, seeking to the
#       keyframe before t and decoding up to t, then piping one rgb24 image back.
#   (b) per-clip:  one ffmpeg process per clip that decodes it once and keeps the wanted frames with a select filter,
#       clips run serially; the best one can do with the CLI alone.
#   (c) grove-decode: every clip in one invocation, decoded in-process, several clips in parallel (--jobs: one per core).
# Two selections, each for one clip and for the batch of 50: the 5 fps grid (--fps 5: every int(30/5) = 6th native
# frame from 0, end inclusive: 0, 6, ..., 234 = 40 frames) and 8 frames (--frames 8 --sampling center: the centre
# of 8 equal segments of that 40-frame grid). All three write raw rgb24 (or the frames stream) to /dev/null, so no
# one pays for the disk. A measurement under 2 s is the best of 3 runs; a longer one (the 2000 ffmpeg processes of
# per-frame on the batch) runs once. Clip generation is not timed. GROVE_BENCH_CLIPS=N changes the batch size.
# If grove-decode is not built (or answers "not implemented yet"), the baselines are still measured and printed.
set -euo pipefail
bin=${GROVE_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# 8 s clips at 30 fps, h264 in mp4. The HowToGround1M clip size is 455x256, but libx264 refuses an odd width with
# yuv420p ("width not divisible by 2") and testsrc2 silently rounds size=455x256 down to 454, so the clips are
# 454x256 (4:2:0 like real video; 455 would need yuv444p). -g 60: a keyframe every 2 s, as in typical web video; with
# x264's default (keyint 250: one keyframe per clip) every per-frame seek decodes from frame 0 and (a) gets slower.
n=${GROVE_BENCH_CLIPS:-50} fps=30 secs=8 w=454 h=256
frame_bytes=$((w * h * 3))
gen() {  # gen I: clip I; every 5th a mandelbrot zoom (motion over the whole frame), the rest testsrc2 at an offset
  local i=$1 src
  if ((i % 5 == 0)); then
    src="mandelbrot=size=${w}x${h}:rate=$fps:start_scale=$(echo "3 / (1 + $i / 20)" | bc -l)"
  else
    src="testsrc2=size=${w}x${h}:rate=$fps:duration=$((secs + 3)),trim=start_frame=$((i * 7 % 90)),setpts=PTS-STARTPTS,hue=h=$((i * 7))"
  fi
  ffmpeg -nostdin -v error -f lavfi -i "$src" -frames:v $((fps * secs)) -g 60 -c:v libx264 -pix_fmt yuv420p \
    "$dir/clip$i.mp4"
}
export -f gen
export dir fps secs w h
seq "$n" | xargs -P "$(nproc)" -I{} bash -c 'gen {}'
clips=()
for i in $(seq "$n"); do clips+=("$dir/clip$i.mp4"); done

# The two selections as native frame indices (the original's sampling, see lib/video/sampling.cpp).
step=$((fps / 5)) grid=()
for ((f = 0; f < fps * secs; f += step)); do grid+=("$f"); done
T=${#grid[@]} eight=()
for s in 0 1 2 3 4 5 6 7; do eight+=("${grid[((s * T / 8 + (s + 1) * T / 8) / 2)]}"); done
stamps() { local f; for f in "$@"; do printf '%.6f ' "$(echo "$f / $fps" | bc -l)"; done; }  # seconds for -ss
select_expr() { local f e=; for f in "$@"; do e+="eq(n\\,$f)+"; done; echo "${e%+}"; }
grid_ts=$(stamps "${grid[@]}") eight_ts=$(stamps "${eight[@]}")
grid_sel=$(select_expr "${grid[@]}") eight_sel=$(select_expr "${eight[@]}")
# ffmpeg 5.1 deprecates -vsync 0 ("use -fps_mode"); older ones lack -fps_mode.
if ffmpeg -hide_banner -h full 2> /dev/null | grep -q -- '^-fps_mode'; then passthrough=(-fps_mode passthrough)
else passthrough=(-vsync passthrough); fi

per_frame() {  # per_frame "T1 T2 ..." CLIP...
  local ts=$1 c t; shift
  for c in "$@"; do
    for t in $ts; do ffmpeg -nostdin -v error -ss "$t" -i "$c" -frames:v 1 -f rawvideo -pix_fmt rgb24 - || return; done
  done
}
per_clip() {  # per_clip SELECT-EXPR CLIP...
  local e=$1 c; shift
  for c in "$@"; do
    ffmpeg -nostdin -v error -i "$c" -vf "select='$e'" "${passthrough[@]}" -f rawvideo -pix_fmt rgb24 - || return
  done
}
grove() { "$bin/grove-decode" --quiet "$@" -o /dev/null; }

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null || return; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
# Best of 3 for a measurement under 2 s, a single run otherwise.
best() {
  local b x
  b=$(t "$@") || return
  if (($(echo "$b < 2" | bc -l))); then
    for _ in 2 3; do x=$(t "$@") || return; b=$(echo "if ($x < $b) $x else $b" | bc -l); done
  fi
  echo "$b"
}

have_grove=1
if ! why=$("$bin/grove-decode" --quiet --fps 5 "${clips[0]}" -o /dev/null 2>&1); then
  have_grove=0
  echo "grove-decode is not available ($bin/grove-decode: ${why##*$'\n'}); measuring the baselines only"
fi

# Check once that the three extract the same frames: byte counts on clip 1, and whether the pixels agree.
check="check (clip 1):"
per_clip "$grid_sel" "${clips[0]}" > "$dir/b-grid.raw"
per_frame "$eight_ts" "${clips[0]}" > "$dir/a-eight.raw"
per_clip "$eight_sel" "${clips[0]}" > "$dir/b-eight.raw"
sb=$(stat -c %s "$dir/b-grid.raw") sa8=$(stat -c %s "$dir/a-eight.raw") sb8=$(stat -c %s "$dir/b-eight.raw")
ok=$((sb == T * frame_bytes && sa8 == 8 * frame_bytes && sb8 == 8 * frame_bytes))
check+=" 5fps per-clip $((sb / frame_bytes)) frames; 8 frames per-frame $((sa8 / frame_bytes)), per-clip $((sb8 / frame_bytes))"
cmp -s "$dir/a-eight.raw" "$dir/b-eight.raw" || check+=" (per-frame and per-clip pixels differ)"
if ((have_grove)); then
  "$bin/grove-decode" --quiet --fps 5 "${clips[0]}" -o "$dir/c-grid.grove"
  "$bin/grove-convert" --quiet pixels "$dir/c-grid.grove" -o "$dir/c-grid.raw"
  sc=$(stat -c %s "$dir/c-grid.raw")
  ((sc == sb)) || ok=0
  check+="; grove 5fps $((sc / frame_bytes)) frames"
  if cmp -s "$dir/b-grid.raw" "$dir/c-grid.raw"; then check+=", pixels identical to ffmpeg's"
  else check+=", pixels differ from ffmpeg's in $({ cmp -l "$dir/b-grid.raw" "$dir/c-grid.raw" || true; } | wc -l) of $sb bytes"; fi
fi
((ok)) || check+=" -- MISMATCH: expected $T and 8 frames of $frame_bytes bytes"
rm -f "$dir"/*.raw "$dir"/*.grove

na=() nb=() nc=()
for sel in grid eight; do
  ts=${sel}_ts e=${sel}_sel
  for scope in 1 "$n"; do
    na+=("$(best per_frame "${!ts}" "${clips[@]:0:scope}")")
    nb+=("$(best per_clip "${!e}" "${clips[@]:0:scope}")")
    if ((have_grove)); then
      if [ "$sel" = grid ]; then nc+=("$(best grove --fps 5 "${clips[@]:0:scope}")")
      else nc+=("$(best grove --frames 8 --sampling center "${clips[@]:0:scope}")"); fi
    fi
  done
done

echo "decode: $n clips of $secs s, $fps fps, ${w}x${h} h264; seconds, best of 3 under 2 s ($(nproc) cores)"
printf '%-9s %-9s %11s %11s %11s %11s %11s\n' selection scope "per-frame" "per-clip" grove "per-frame/g" "per-clip/g"
k=0
for sel in "5 fps" "8 frames"; do
  for scope in "1 clip" "$n clips"; do
    if ((have_grove)); then
      printf '%-9s %-9s %11.3f %11.3f %11.3f %10.1fx %10.1fx\n' "$sel" "$scope" "${na[k]}" "${nb[k]}" "${nc[k]}" \
        "$(echo "${na[k]} / ${nc[k]}" | bc -l)" "$(echo "${nb[k]} / ${nc[k]}" | bc -l)"
    else
      printf '%-9s %-9s %11.3f %11.3f %11s %11s %11s\n' "$sel" "$scope" "${na[k]}" "${nb[k]}" - - -
    fi
    k=$((k + 1))
  done
done
if ((have_grove)); then
  printf 'on %s clips, grove is %.0fx (5 fps) and %.0fx (8 frames) faster than one ffmpeg per frame, ' "$n" \
    "$(echo "${na[1]} / ${nc[1]}" | bc -l)" "$(echo "${na[3]} / ${nc[3]}" | bc -l)"
  printf '%.1fx and %.1fx faster than one ffmpeg per clip\n' \
    "$(echo "${nb[1]} / ${nc[1]}" | bc -l)" "$(echo "${nb[3]} / ${nc[3]}" | bc -l)"
fi
if ((ok)); then echo "$check"; else echo "$check" >&2; fi
