#!/usr/bin/env bash
# iGround evaluation speed on an iGround-sized synthetic set (bench/make_grounding_set.py: 1000 videos x 40
# frames, ~100 ground-truth boxes per video), against the cost of just reading the same two streams
# (grove-convert cat to /dev/null), measured in the same run:
#   (a) read:      grove-convert cat of the predictions and of the ground truth
#   (b) boxes:     grove-eval iground --no-meteor (AP50 per video, mIoU, Recall without the BERT gate, BLEU,
#                  ROUGE-L, CIDEr-D)
#   (c) corrected: the same with --corrected
#   (d) all:       grove-eval iground with METEOR (no paraphrase table)
#   (e) bert:      (b) with Recall's BERT gate: --bert on the tiny test BERT (tests/data/bert/tiny), or on the real
#                  bert-base-uncased folder GROVE_BERT names; the set's distinct phrases are embedded once, by one
#                  grove-embed process (LibTorch's start-up included)
#   (f) embed:     grove-embed alone on 5000 distinct phrases (bench/make_phrases.py): phrases/s on the tiny BERT;
#                  and on 500 of them with GROVE_BERT's folder or, with GROVE_BENCH_BERT_BASE=1, a random BERT of
#                  bert-base-uncased's sizes (bench/make_random_bert.py, numpy; 440 MB in a temporary directory)
# Each is the best of 3 runs of the whole process. The released eval_iground.py scans every annotation of the set
# for every frame in mIoU and Recall (quadratic in the set's size) and runs two BERT forwards per phrase pair of
# every frame; grove indexes each video's frames and runs one forward per distinct phrase, in batches.
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
tiny="$here/tests/data/bert/tiny"
bert_s=$(best "$bin/grove-eval" iground --quiet --no-meteor --bert "${GROVE_BERT:-$tiny}" --pred "$dir/pred.grove" --gt "$dir/gt.grove" -o "$dir/m3.grove")
nphr=${GROVE_BENCH_PHRASES:-5000}
python3 "$here/bench/make_phrases.py" "$nphr" > "$dir/phrases.txt"
embed_tiny_s=$(best "$bin/grove-embed" --quiet --bert "$tiny" --format f32 "$dir/phrases.txt" -o /dev/null)
base="" base_name=""
if [ -n "${GROVE_BERT:-}" ]; then
  base=$GROVE_BERT base_name="GROVE_BERT ($GROVE_BERT)"
elif [ "${GROVE_BENCH_BERT_BASE:-0}" = 1 ]; then
  /usr/bin/python3 "$here/bench/make_random_bert.py" "$dir/bert-base"   # Debian's python3-numpy
  base="$dir/bert-base" base_name="random bert-base-sized"
fi
nbase=${GROVE_BENCH_BASE_PHRASES:-500}   # bert-base is ~1000x the tiny model's work per token
head -n "$nbase" "$dir/phrases.txt" > "$dir/phrases-base.txt"
[ -n "$base" ] && embed_base_s=$(best "$bin/grove-embed" --quiet --bert "$base" --format f32 "$dir/phrases-base.txt" -o /dev/null)
ratio() { echo "scale=2; $1 / $2" | bc -l; }
rate() { echo "scale=0; $1 / $2" | bc -l; }
echo "grounding: $n videos x $t frames ($boxes ground-truth boxes)"
echo "  read both streams        ${read_s} s"
echo "  iground --no-meteor      ${boxes_s} s   ($(ratio "$boxes_s" "$read_s") x read)"
echo "  iground --corrected      ${corr_s} s   ($(ratio "$corr_s" "$read_s") x read)"
[ -n "$all_s" ] && echo "  iground with METEOR      ${all_s} s   ($(ratio "$all_s" "$read_s") x read)"
echo "  iground --bert           ${bert_s} s   ($(ratio "$bert_s" "$read_s") x read; ${GROVE_BERT:-tiny test BERT})"
echo "  grove-embed, tiny BERT   ${embed_tiny_s} s   ($nphr distinct phrases, $(rate "$nphr" "$embed_tiny_s") phrases/s, start-up included)"
[ -n "$base" ] && echo "  grove-embed, $base_name   ${embed_base_s} s   ($nbase distinct phrases, $(rate "$nbase" "$embed_base_s") phrases/s)"
"$bin/grove-convert" to-jsonl --quiet "$dir/m0.grove" | grep '"id":"all"' | grep -o '"AP50":[^,]*,"mIoU":[^,]*,"Recall_iou_only":[^,}]*' | sed 's/^/  values: /'
"$bin/grove-convert" to-jsonl --quiet "$dir/m3.grove" | grep '"id":"all"' | grep -o '"Recall":[^,}]*' | sed 's/^/  with --bert: /'
