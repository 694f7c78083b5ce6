#!/usr/bin/env bash
# make demo: the main job on the embedded default. Generates a few held-out synthetic clips, decodes them, captions
# and grounds them with the shipped model (share/grove/models/synth), prints the captions and the metric table, and
# draws the boxes (PNG contact sheets and GIFs) into demo-output/.
#
#   scripts/demo.sh [BUILD_DIR]       (make demo runs it after installing the packages and building)
#   GROVE_DEMO_CLIPS=N                how many clips (default 8)
#   GROVE_DEMO_OUT=DIR                where everything goes (default demo-output)
#   GROVE_DEMO_MODEL=DIR              another model directory
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$PWD/$build/bin"
clips=${GROVE_DEMO_CLIPS:-8}
out=${GROVE_DEMO_OUT:-demo-output}
model=${GROVE_DEMO_MODEL:-$PWD/share/grove/models/synth}

say() { printf '\n== %s\n' "$*"; }
run() { echo "\$ $*" | sed "s|$bin/||g"; "$@"; }

if [ ! -f "$model/config.json" ]; then
  echo "grove demo: no model at $model: the embedded default has not been trained and shipped yet." >&2
  echo "grove demo: running the whole pipeline on a model of random weights instead (its captions are noise)." >&2
  model="$out/random-model"
  rm -rf "$model"
  mkdir -p "$out"
  "$bin/grove-convert" -q random --config micro --init scratch --tokenizer tests/data/text/tiny-tokenizer -o "$model"
fi

rm -rf "$out/videos" "$out/pictures"
mkdir -p "$out"
say "1. $clips held-out synthetic clips (grove-synth: shapes that move, appear, disappear and occlude one another)"
run "$bin/grove-synth" -q -n "$clips" --split test --video-dir "$out/videos" -o "$out/test.grove"

say "2. decode | caption and ground (grove-decode | grove-infer, model $(basename "$model"))"
run "$bin/grove-decode" -q --samples "$out/test.grove" --video-dir "$out/videos" -o "$out/frames.grove"
run "$bin/grove-infer" -q -m "$model" "$out/frames.grove" -o "$out/pred.grove"

say "3. the captions (predicted, then the truth)"
paste -d '\n' \
  <("$bin/grove-convert" -q to-jsonl "$out/pred.grove" | jq -r 'select(.type == "prediction") | "\(.id)  predicted: \(.caption)"') \
  <("$bin/grove-convert" -q to-jsonl "$out/test.grove" | jq -r 'select(.type == "sample") | "\(.id)  truth:     \(.caption)"')

say "4. the scores (grove-eval iground: AP50 and mIoU of the boxes, and the caption metrics)"
"$bin/grove-eval" -q iground --pred "$out/pred.grove" --gt "$out/test.grove" -o "$out/metrics.grove" | sed 's/^/  /'

say "5. pictures (grove-render: predicted boxes solid and labelled, the truth dashed)"
run "$bin/grove-render" -q "$out/pred.grove" --gt "$out/test.grove" -o "$out/pictures" --format png gif
ls "$out/pictures" | sed 's/^/  /' | head -n 12
echo
echo "grove demo: done; the pictures are in $out/pictures/ (one PNG contact sheet and one GIF per clip)."
