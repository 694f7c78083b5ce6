#!/usr/bin/env bash
# make demo: the main job on the embedded default — decode a few generated clips, caption and ground them with the
# shipped model, score them, and draw the boxes. The pieces arrive issue by issue; until all of them exist this
# script runs what does and says plainly what is missing.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$PWD/$build/bin"

missing=()
for tool in grove-decode grove-infer grove-eval; do
  if "$bin/$tool" --quiet /dev/null >/dev/null 2>"/tmp/grove-demo-$$.err"; [ $? -eq 2 ] && grep -q "not implemented" "/tmp/grove-demo-$$.err"; then
    missing+=("$tool")
  fi
done
rm -f "/tmp/grove-demo-$$.err"
[ -d share/grove/models ] && ls share/grove/models/*/config.json >/dev/null 2>&1 || missing+=("the shipped model (share/grove/models/)")

if [ ${#missing[@]} -gt 0 ]; then
  echo "grove demo: the end-to-end demo cannot run yet. Missing:"
  for m in "${missing[@]}"; do echo "  - $m"; done
  echo "What works today: decoding clips into a grove stream, and grove-convert. For example:"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=454x256:rate=30:duration=8 -c:v libx264 -pix_fmt yuv420p "$tmp/clip.mp4"
  echo "  \$ grove-decode --fps 5 clip.mp4 -o clip.grove.zst      # an 8 s, 30 fps clip made with ffmpeg"
  "$bin/grove-decode" --fps 5 "$tmp/clip.mp4" -o "$tmp/clip.grove.zst" 2>&1 | sed 's/^/  /'
  echo "  \$ grove-convert count clip.grove.zst"
  "$bin/grove-convert" count "$tmp/clip.grove.zst" | sed 's/^/  /'
  echo "  \$ grove-convert to-jsonl clip.grove.zst | cut -c1-200"
  "$bin/grove-convert" to-jsonl -q "$tmp/clip.grove.zst" | cut -c1-200 | sed 's/^/  /'
  exit 0
fi
echo "grove demo: every piece is present, but this script has not been taught to run them yet" >&2
exit 2
