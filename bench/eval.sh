#!/usr/bin/env bash
# Caption scoring speed: grove-eval captions on 1000 videos (the 248 caption items of
# tests/data/eval/captions_fixture.json repeated under new ids: 1000 candidates, about 1840 references), against
# the cost of just reading the same two streams (grove-convert cat to /dev/null), measured in the same run:
#   (a) read:     grove-convert cat of the predictions and of the ground truth
#   (b) no METEOR: grove-eval captions --no-meteor (tokenisation, BLEU, ROUGE-L, CIDEr-D)
#   (c) all:      grove-eval captions (with METEOR: WordNet look-ups, stemming, alignments; one thread)
#   (d) all, --threads 0 (one per core)
# Each is the best of 5 runs of the whole process (start-up, reading, scoring, writing the metrics stream).
# For comparison, the original runs two JVMs (PTBTokenizer, METEOR with its paraphrase table: several seconds to
# start) and pure-Python scorers.
set -euo pipefail
bin=${GROVE_BIN:?}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=${GROVE_BENCH_VIDEOS:-1000}

# 1000 videos: copy k of every fixture item gets the id "ID~k"; idx[id] is the item's position among the
# fixture's predictions, so exactly the first n (copy, item) pairs are taken.
repeat_with_index() {
  awk -v n="$n" '
    NR == FNR { if (FNR > 1) { match($0, /"id": "[^"]*"/); idx[substr($0, RSTART + 7, RLENGTH - 8)] = FNR - 2; items = FNR - 1 } next }
    FNR == 1 { print; next }
    { rec[++m] = $0 }
    END {
      copies = int((n + items - 1) / items)
      for (k = 0; k < copies; k++)
        for (i = 1; i <= m; i++) {
          r = rec[i]
          match(r, /"id": "[^"]*"/)
          id = substr(r, RSTART + 7, RLENGTH - 8)
          if (k * items + idx[id] >= n) continue
          sub(/"id": "[^"]*"/, "\"id\": \"" id "~" k "\"", r)
          print r
        }
    }' "$here/tests/data/eval/captions_pred.jsonl" "$1"
}
repeat_with_index "$here/tests/data/eval/captions_pred.jsonl" > "$dir/pred.jsonl"
repeat_with_index "$here/tests/data/eval/captions_gt.jsonl" > "$dir/gt.jsonl"
"$bin/grove-convert" cat --quiet "$dir/pred.jsonl" -o "$dir/pred.grove"
"$bin/grove-convert" cat --quiet "$dir/gt.jsonl" -o "$dir/gt.grove"
preds=$(($(wc -l < "$dir/pred.jsonl") - 1)) refs=$(($(wc -l < "$dir/gt.jsonl") - 1))

best() {  # best CMD...: the fastest of 5 runs, in seconds
  local t b=
  for _ in 1 2 3 4 5; do
    t=$(TIMEFORMAT=%R; { time "$@" > /dev/null 2>&1; } 2>&1)
    if [ -z "$b" ] || (($(echo "$t < $b" | bc -l))); then b=$t; fi
  done
  echo "$b"
}

read_s=$(best bash -c "'$bin/grove-convert' cat --quiet '$dir/pred.grove' -o /dev/null && '$bin/grove-convert' cat --quiet '$dir/gt.grove' -o /dev/null")
if ! "$bin/grove-eval" captions --help > /dev/null 2>&1; then
  echo "eval: grove-eval captions is not built; read baseline ${read_s} s for $preds predictions, $refs references"
  exit 0
fi
nometeor_s=$(best "$bin/grove-eval" captions --quiet --no-meteor --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m0.grove")
all1_s=$(best "$bin/grove-eval" captions --quiet --threads 1 --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m1.grove")
all_s=$(best "$bin/grove-eval" captions --quiet --threads 0 --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m2.grove")

echo "eval: $preds videos, $refs reference captions, best of 5 whole-process runs ($(nproc) cores)"
printf '  %-44s %7.3f s\n' "(a) read both streams (grove-convert cat)" "$read_s"
printf '  %-44s %7.3f s  (%.1fx reading)\n' "(b) BLEU, ROUGE-L, CIDEr-D (--no-meteor)" "$nometeor_s" "$(echo "$nometeor_s / $read_s" | bc -l)"
printf '  %-44s %7.3f s  (%.1fx reading)\n' "(c) all metrics, METEOR on 1 thread" "$all1_s" "$(echo "$all1_s / $read_s" | bc -l)"
printf '  %-44s %7.3f s  (%.1fx reading)\n' "(d) all metrics, --threads 0" "$all_s" "$(echo "$all_s / $read_s" | bc -l)"
