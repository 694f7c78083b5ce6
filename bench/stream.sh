#!/usr/bin/env bash
# Stream I/O speed: grove-convert re-encoding a frames stream (read, decode msgpack, encode, write), against the
# cost of merely moving and compressing the same bytes with the standard tools, measured in the same run.
#   grove cat (msgpack -> msgpack)      vs  cat           (the bytes moved, no parsing)
#   grove cat (msgpack -> msgpack.zst)  vs  zstd -3       (the same compression alone)
#   grove to-jsonl                      vs  base64        (the dominant cost of JSON Lines: encoding the pixels)
set -euo pipefail
bin=${GROVE_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# 200 frames records of 8 frames at 454x256 (the HowToGround1M clip size, even width): ~560 MB of pixels, made
# by grove-decode from one generated clip named 200 times (not timed).
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=454x256:rate=30:duration=8 -c:v libx264 -pix_fmt yuv420p "$dir/clip.mp4"
for i in $(seq 200); do echo "$dir/clip.mp4"; done | "$bin/grove-decode" -q --frames 8 -o "$dir/in.grove"
mb=$(( $(stat -c %s "$dir/in.grove") / 1000000 ))

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best() { local b=999999 x; for _ in 1 2 3; do x=$(t "$@"); b=$(echo "if ($x < $b) $x else $b" | bc -l); done; echo "$b"; }

g1=$(best "$bin/grove-convert" cat -q "$dir/in.grove" -o /dev/stdout)
b1=$(best cat "$dir/in.grove")
g2=$(best "$bin/grove-convert" cat -q --zstd "$dir/in.grove" -o /dev/stdout)
b2=$(best zstd -3 -q -c "$dir/in.grove")
g3=$(best "$bin/grove-convert" to-jsonl -q "$dir/in.grove" -o /dev/stdout)
b3=$(best base64 -w0 "$dir/in.grove")
printf '%-34s %8s %8s %8s %s\n' "stream: $mb MB, 200 frames records" "grove s" "base s" "ratio" "baseline"
printf '%-34s %8.3f %8.3f %8.2f %s\n' "re-encode msgpack -> msgpack" "$g1" "$b1" "$(echo "$g1 / $b1" | bc -l)" "cat"
printf '%-34s %8.3f %8.3f %8.2f %s\n' "re-encode msgpack -> msgpack.zst" "$g2" "$b2" "$(echo "$g2 / $b2" | bc -l)" "zstd -3"
printf '%-34s %8.3f %8.3f %8.2f %s\n' "msgpack -> JSON Lines" "$g3" "$b3" "$(echo "$g3 / $b3" | bc -l)" "base64"
printf 'throughput: %.0f MB/s re-encoding, %.0f MB/s compressing\n' "$(echo "$mb / $g1" | bc -l)" "$(echo "$mb / $g2" | bc -l)"
