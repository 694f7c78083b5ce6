#!/usr/bin/env bash
# grove-train's speed on the CPU with the micro configuration: samples/s of one process, and of two processes
# averaging gradients through Gloo (same global batch: one clip each, against accumulation 2 in one process),
# measured in the same run on the same decoded clips. The ratio shows what data parallelism gains on this machine.
set -euo pipefail
bin=${GROVE_BIN:?}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin/grove-convert" -q random --config micro --tokenizer "$root/tests/data/text/tiny-tokenizer" -o "$dir/model"
mkdir "$dir/videos"
echo '{"type":"header","format":"grove-stream","version":1,"tool":"bench","tool_version":"0"}' > "$dir/train.jsonl"
for i in 1 2 3 4 5 6 7 8; do
  ffmpeg -loglevel error -f lavfi -i "testsrc2=size=454x256:rate=30" -t 8 -pix_fmt yuv420p "$dir/videos/v$i.mp4"
  jq -nc --arg id "v$i" '{type:"sample", id:$id, video_fname:($id + ".mp4"), fps:30, clip_start_frame:0, clip_end_frame:234,
     width:454, height:256, caption:"A man cuts an onion.", tagged_caption:"<p>A man</p> cuts <p>an onion</p>.",
     phrases:["A man","an onion"], bboxes:[range(0; 40) as $t | [[$t, 10, $t + 100, 160], [200, 20, 300, 200]]],
     labels:[range(0; 40) | ["a man", "an onion"]]}' >> "$dir/train.jsonl"
done
common=(-q -m "$dir/model" --train "$dir/train.jsonl" --video-dir "$dir/videos" --epochs 4 --warmup 2)
rate() { jq -s '[.[] | select(.type == "step" and .step > 2) | .samples_per_s] | add / length' "$1/log.jsonl"; }
"$bin/grove-train" "${common[@]}" -o "$dir/one" --accumulation 2
"$bin/grove-train" "${common[@]}" -o "$dir/two" --nproc 2
one=$(rate "$dir/one") two=$(rate "$dir/two")
printf '%-34s %10s\n' run samples/s
printf '%-34s %10.2f\n' "1 process, accumulation 2" "$one" "2 processes (Gloo), 1 clip each" "$two"
printf '%-34s %10.2f\n' "ratio 2 processes / 1" "$(echo "$two / $one" | bc -l)"
echo "(micro config, 40-frame clips of 454x256 decoded on the fly, 8 frames a clip; steps after the first 2)"
