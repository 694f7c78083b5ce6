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

# 200 frames records of 8 frames at 455x256 (the HowToGround1M clip size): ~560 MB of pixels.
ex=tests/data/all-records.jsonl
px=$(head -c $((455 * 256 * 3)) /dev/urandom | base64 -w0)
{
  head -1 "$ex"
  rec=$(sed -n 2p "$ex" | sed -e 's/"pixel_width":2,"pixel_height":2/"pixel_width":455,"pixel_height":256/' \
        -e "s|\"pixels\":\[[^]]*\]|\"pixels\":[$(for i in 1 2 3 4 5 6 7 8; do printf '{"$base64":"%s"}' "$px"; [ $i -lt 8 ] && printf ,; done)]|" \
        -e 's/"frame_indices":\[120,126\]/"frame_indices":[0,6,12,18,24,30,36,42]/' \
        -e 's/"timestamps":\[4.004,4.2042\]/"timestamps":[0,0.2,0.4,0.6,0.8,1,1.2,1.4]/')
  for i in $(seq 200); do echo "${rec/vid01_3/clip$i}"; done
} > "$dir/in.jsonl"
"$bin/grove-convert" from-jsonl -q "$dir/in.jsonl" -o "$dir/in.grove"
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
