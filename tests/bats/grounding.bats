#!/usr/bin/env bats
# grove-eval's grounding verbs end to end: the importers' fixtures (tests/data/import) as ground truth, the
# original's prediction pickle (read by grove-convert from-pickle) and small hand-written prediction streams
# (tests/data/eval/*_pred.jsonl), with values derived by hand in the comments.
bats_require_minimum_version 1.5.0
load helpers

I="$DATA/import"
E="$DATA/eval"

value() { grep "\"id\": *\"${3:-all}\"" "$1" | grep '"type": *"metrics"' | head -1 | grep -o "\"$2\": *[^,}]*" | sed 's/.*: *//'; }
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1e-9) }'; }

setup() {
  grove-convert import-iground "$I/iground_dict.pkl" -o "$BATS_TEST_TMPDIR/gt.jsonl" 2>/dev/null
  grove-convert from-pickle "$I/iground_pred.pkl" -o "$BATS_TEST_TMPDIR/pred.jsonl" 2>/dev/null
}

@test "iground: AP50, mIoU and Recall of the original's prediction pickle, as released" {
  run --separate-stderr grove-eval iground --pred "$BATS_TEST_TMPDIR/pred.jsonl" --gt "$BATS_TEST_TMPDIR/gt.jsonl" \
    --no-meteor --per-item -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # vidA_0 (4 frames; the prediction's 5th is dropped): TP, TP, FP, TP over 5 boxes -> precision 1 to recall 0.4,
  # 0.75 to 0.6: (41 + 20 * 0.75) / 101. vidB_3 has no prediction and is left out.
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" AP50)" "$(echo '56/101' | bc -l)"
  # mIoU: frame 0's 1x3 matrix [1, 0, 0] (the xywh-as-corners quirk empties the others), frame 2 [1, 0], frame 3 [1].
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" mIoU)" "$(echo '(1/3 + 1/2 + 1) / 3' | bc -l)"
  # Recall: 3 matches over 5 ground-truth labels, no text gate.
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall_iou_only)" 0.6
  grep -q '"id":"vidA_0".*"true_positives":3,"positives":5' "$BATS_TEST_TMPDIR/m.jsonl"
  grep -q '"count":1' "$BATS_TEST_TMPDIR/m.jsonl"
  grep -q 'without the BERT text gate' "$BATS_TEST_TMPDIR/m.jsonl"
  [[ "$output" == *"AP50"*"Recall (IoU only)"*"1 ground-truth videos have no prediction"* ]]   # -o FILE: table on stdout
  [[ "$stderr" == *"warning"*"1 ground-truth videos have no prediction"* ]]
}

@test "iground --corrected: the missing video counts, paired mIoU" {
  run --separate-stderr grove-eval iground --pred "$BATS_TEST_TMPDIR/pred.jsonl" --gt "$BATS_TEST_TMPDIR/gt.jsonl" \
    --no-meteor --corrected -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" AP50)" "$(echo '56/101/2' | bc -l)"
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" mIoU)" 0.5
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall_iou_only)" 0.3
  grep -q '"count":2' "$BATS_TEST_TMPDIR/m.jsonl"
}

@test "iground: grove's own prediction records and the pickle give the same scores" {
  grove-convert to-pickle "$BATS_TEST_TMPDIR/pred.jsonl" -o "$BATS_TEST_TMPDIR/p.pkl" 2>/dev/null
  grove-convert from-pickle "$BATS_TEST_TMPDIR/p.pkl" -o "$BATS_TEST_TMPDIR/p2.jsonl" 2>/dev/null
  grove-eval iground --pred "$BATS_TEST_TMPDIR/pred.jsonl" --gt "$BATS_TEST_TMPDIR/gt.jsonl" --no-meteor -o "$BATS_TEST_TMPDIR/a.jsonl" 2>/dev/null
  grove-eval iground --pred "$BATS_TEST_TMPDIR/p2.jsonl" --gt "$BATS_TEST_TMPDIR/gt.jsonl" --no-meteor -o "$BATS_TEST_TMPDIR/b.jsonl" 2>/dev/null
  cmp "$BATS_TEST_TMPDIR/a.jsonl" "$BATS_TEST_TMPDIR/b.jsonl"
}

@test "vidstg: msIoU per sentence type; a missing frame is an error as released, 0 corrected" {
  grove-convert import-vidstg "$I/vidstg_test.json" -o "$BATS_TEST_TMPDIR/v.jsonl" 2>/dev/null || true
  run --separate-stderr grove-eval vidstg --pred "$E/vidstg_pred.jsonl" --gt "$BATS_TEST_TMPDIR/v.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 1 ]
  # Video 0: IoU 1, 1, 0 (a zero box), 0 (no box) -> 0.5; not > 0.5.
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" declarative_gt_viou)" 0.5
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" declarative_gt_viou@0.5)" 0
  grep -q '"type":"error","id":"1"' "$BATS_TEST_TMPDIR/m.jsonl"
  [[ "$output" == *"msIoU"*"declarative"*"50.00"* ]]
  run --separate-stderr grove-eval vidstg --pred "$E/vidstg_pred.jsonl" --gt "$BATS_TEST_TMPDIR/v.jsonl" --corrected -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # Video 1: IoU 1, 0.5 (half the height), 0 (missing) -> 0.5.
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" interrogative_gt_viou)" 0.5
}

@test "anet: F1_all, F1_loc and their per-sentence values; the per-sentence denominator quirk" {
  need() { [ -f "${WNSEARCHDIR:-/usr/share/wordnet}/index.noun" ] || skip "WordNet 3.0 (wordnet-base) not installed"; }
  need
  grove-convert import-anet "$I/anet.json" --split-ids "$I/anet_split_ids.json" --timestamps "$I/anet_timestamps.json" \
    -o "$BATS_TEST_TMPDIR/a.jsonl" 2>/dev/null
  run --separate-stderr grove-eval anet --pred "$E/anet_pred.jsonl" --gt "$BATS_TEST_TMPDIR/a.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # Precision: man 1, "leaves" 0 (its lemma "leaf" is no unannotated word's), ball 1, dog 0; recall: man 1, ball 1,
  # woman 0; 3 classes: P = R = 2/3. Per sentence: P 1/2, R 2/3, F1 4/7, over 2 predicted segments.
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" F1_all)" "$(echo '2/3' | bc -l)"
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" F1_all_per_sent)" "$(echo '4/7/2' | bc -l)"
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" F1_loc_per_sent)" 0.5
  run --separate-stderr grove-eval anet --pred "$E/anet_pred.jsonl" --gt "$BATS_TEST_TMPDIR/a.jsonl" --corrected --loc-mode all -o "$BATS_TEST_TMPDIR/m.jsonl"
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" F1_all_per_sent)" "$(echo '4/7' | bc -l)"
  ! grep -q 'F1_loc' "$BATS_TEST_TMPDIR/m.jsonl"
}

@test "pointing: the centre of the nearest frame's box, borders included; a missing clip is wrong" {
  grove-convert import-youcook "$I/youcook_gt.pkl" -o "$BATS_TEST_TMPDIR/y.jsonl" 2>/dev/null
  run --separate-stderr grove-eval pointing --pred "$E/pointing_pred.jsonl" --gt "$BATS_TEST_TMPDIR/y.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" accuracy)" "$(echo '200/3' | bc -l)"
  [[ "$output" == *"Localization Accuracy: 66.67%"* ]]
}

@test "grounding verbs: --help and the man page name the same options" {
  page="$BATS_TEST_DIRNAME/../../man/man1/grove-eval.1"
  for verb in iground vidstg anet pointing; do
    grep -q "^\.B grove-eval $verb" "$page" || grep -q "^\.B $verb" "$page"
    for opt in $(grove-eval $verb --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$page" || { echo "$verb: $opt missing from the man page"; return 1; }
    done
  done
}
