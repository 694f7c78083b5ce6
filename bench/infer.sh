#!/usr/bin/env bash
# grove-infer's speed on the CPU: clips/s for the whole iground protocol on 40-frame clips (the iGround clip
# length at 5 fps), greedy decoding tokens/s, and the dense layers' achieved GFLOP/s beside a float32 matrix-product
# peak measured in the same process (the baseline: these machines are shared and noisy). Two random models: micro
# (the tests' configuration) and golden-tiny (the golden fixtures' sizes). GROVE_BENCH_CLIPS=N changes the count.
set -euo pipefail
bin=${GROVE_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
clips=${GROVE_BENCH_CLIPS:-2}
printf '%-12s %9s %9s %12s %11s %10s %10s %8s\n' config s/clip clips/s "decode tok/s" "GFLOP/clip" "GFLOP/s" "mm GFLOP/s" "of peak"
for config in micro golden-tiny; do
  "$bin/grove-convert" -q random --config "$config" --tokenizer "$root/tests/data/text/tiny-tokenizer" -o "$dir/$config"
  out=$("$bin/grove-bench-infer" "$dir/$config" "$clips" 40)
  get() { sed -n "s/^$1=//p" <<< "$out"; }
  printf '%-12s %9.3f %9.3f %12.1f %11.2f %10.2f %10.1f %7.1f%%\n' "$config" "$(get clip_seconds)" "$(get clips_per_s)" \
    "$(get decode_tokens_per_s)" "$(get dense_gflop_per_clip)" "$(get achieved_gflops)" "$(get matmul_gflops)" \
    "$(echo "100 * $(get achieved_gflops) / $(get matmul_gflops)" | bc -l)"
done
echo "(40 frames a clip: 5 windows, 64 generated tokens; GFLOP counts the linear and convolution layers only, so the"
echo " achieved rate is a lower bound; LibTorch threads: $(sed -n 's/^threads=//p' <<< "$out"))"
