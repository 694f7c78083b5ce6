#!/usr/bin/env bash
# iGround evaluation speed on an iGround-sized synthetic set (bench/make_grounding_set.py: 1000 videos x 40
# frames, ~100 ground-truth boxes per video), against the cost of just reading the same two streams
# (grove-convert cat to /dev/null), measured in the same run:
#   (a) read:      grove-convert cat of the predictions and of the ground truth
#   (b) boxes:     grove-eval iground --no-meteor (AP50 per video, mIoU, Recall without the BERT gate, BLEU,
#                  ROUGE-L, CIDEr-D)
#   (c) corrected: the same with --corrected
#   (d) all:       grove-eval iground with METEOR (no paraphrase table)
# Each is the best of 3 runs of the whole process. The released eval_iground.py scans every annotation of the set
# for every frame in mIoU and Recall (quadratic in the set's size) and runs one BERT forward per phrase pair; grove
# indexes each video's frames. Recall here is IoU only (grove has no BERT runtime yet).
set -euo pipefail
bin=${GROVE_BIN:?}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=${GROVE_BENCH_VIDEOS:-1000} t=${GROVE_BENCH_FRAMES:-40}
boxes=$(python3 "$here/bench/make_grounding_set.py" "$dir" "$n" "$t")
"$bin/grove-convert" cat --quiet "$dir/pred.jsonl" -o "$dir/pred.grove"
"$bin/grove-convert" cat --quiet "$dir/gt.jsonl" -o "$dir/gt.grove"

best() {  # best CMD...: the fastest of 3 runs, in seconds
  local t b=
  for _ in 1 2 3; do
    t=$(TIMEFORMAT=%R; { time "$@" > /dev/null 2>&1; } 2>&1)
    if [ -z "$b" ] || (($(echo "$t < $b" | bc -l))); then b=$t; fi
  done
  echo "$b"
}
read_s=$(best bash -c "'$bin/grove-convert' cat --quiet '$dir/pred.grove' -o /dev/null && '$bin/grove-convert' cat --quiet '$dir/gt.grove' -o /dev/null")
boxes_s=$(best "$bin/grove-eval" iground --quiet --no-meteor --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m0.grove")
corr_s=$(best "$bin/grove-eval" iground --quiet --no-meteor --corrected --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m1.grove")
all_s=""
if [ -f "${WNSEARCHDIR:-/usr/share/wordnet}/index.noun" ]; then
  all_s=$(best "$bin/grove-eval" iground --quiet --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m2.grove")
fi
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "grounding: $n videos x $t frames ($boxes ground-truth boxes)"
echo "  read both streams        ${read_s} s"
echo "  iground --no-meteor      ${boxes_s} s   ($(ratio "$boxes_s" "$read_s") x read)"
echo "  iground --corrected      ${corr_s} s   ($(ratio "$corr_s" "$read_s") x read)"
[ -n "$all_s" ] && echo "  iground with METEOR      ${all_s} s   ($(ratio "$all_s" "$read_s") x read)"
"$bin/grove-convert" to-jsonl --quiet "$dir/m0.grove" | grep '"id":"all"' | grep -o '"AP50":[^,]*,"mIoU":[^,]*,"Recall_iou_only":[^,}]*' | sed 's/^/  values: /'
