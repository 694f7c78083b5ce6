#!/usr/bin/env bash
# Weights: a model directory of the released 7B architecture (grove-convert random: bf16, ~16 GB, 1326 tensors in
# 4 GiB shards) opened as the network opens it — the layout checked and every tensor a view into the memory
# mapping — against the baseline of reading the same files once (cat > /dev/null, cache cold first, then warm).
# Reports the peak resident memory after opening against the size of the weights: mapped, not copied.
# Needs ~17 GB of free disk under ${TMPDIR:-/tmp}; GROVE_BENCH_WEIGHTS_CONFIG picks another config (e.g. golden-tiny).
set -euo pipefail
bin=${GROVE_BIN:?}
config=${GROVE_BENCH_WEIGHTS_CONFIG:-grove-7b}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
free_kb=$(df -Pk "$dir" | awk 'NR==2 {print $4}')
if [ "$config" = grove-7b ] && [ "$free_kb" -lt 18000000 ]; then
  echo "weights: skipped (needs ~17 GB free under $dir; set GROVE_BENCH_WEIGHTS_CONFIG=golden-tiny for a small run)"
  exit 0
fi

s=$(date +%s.%N)
"$bin/grove-convert" random -q --config "$config" --dtype bf16 -o "$dir/model"
e=$(date +%s.%N)
write_s=$(echo "$e - $s" | bc -l)
bytes=$(du -cb "$dir"/model/*.safetensors | tail -1 | cut -f1)

sync
echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || true   # cold cache where allowed (root)
s=$(date +%s.%N); cat "$dir"/model/*.safetensors > /dev/null; e=$(date +%s.%N)
read_s=$(echo "$e - $s" | bc -l)

out=$("$bin/grove-bench-weights-load" "$dir/model")
get() { echo "$out" | sed -n "s/^$1=//p"; }
gb=$(echo "$bytes / 1000000000" | bc -l)
printf 'weights: %s, %s tensors, %.2f G parameters, %.2f GB of bf16 in %s shard(s)\n' "$config" "$(get tensors)" \
  "$(echo "$(get parameters) / 1000000000" | bc -l)" "$gb" "$(ls "$dir"/model/*.safetensors | wc -l)"
printf '  %-44s %10.2f s  (%.2f GB/s)\n' "write random model (grove-convert random)" "$write_s" "$(echo "$gb / $write_s" | bc -l)"
printf '  %-44s %10.3f s\n' "open: config, layout check, views (grove)" "$(get open_s)"
printf '  %-44s %10.3f s\n' "read every byte once (cat, baseline)" "$read_s"
printf '  %-44s %10.4f\n' "ratio open / read" "$(echo "$(get open_s) / $read_s" | bc -l)"
printf '  %-44s %10.1f MB  (before opening: %.1f MB)\n' "peak resident memory after opening" "$(get rss_after_open_mb)" "$(get baseline_rss_mb)"
added=$(echo "$(get rss_after_open_mb) - $(get baseline_rss_mb)" | bc -l)
printf '  %-44s %10.1f MB\n' "resident memory added by opening" "$added"
printf '  %-44s %10.6f\n' "ratio added resident / weights" "$(echo "$added * 1000000 / $bytes" | bc -l)"
printf '  %-44s %10.1f MB  (the table: %.1f MB)\n' "peak resident after reading embed_tokens" "$(get rss_after_reading_embed_mb)" \
  "$(echo "$(get embed_bytes) / 1000000" | bc -l)"
