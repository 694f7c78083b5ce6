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

# ---- Recall's BERT phrase gate (tests/data/bert: a tiny random BERT and its expected values, make_tiny_bert.py) ----
B="$DATA/bert"

@test "grove-embed: one embedding per line, each distinct phrase once, the reference forward's values" {
  printf 'a dog\nA DOG\nthe wooden board\na dog\n' > "$BATS_TEST_TMPDIR/p.txt"
  run --separate-stderr grove-embed --bert "$B/tiny" "$BATS_TEST_TMPDIR/p.txt" -o "$BATS_TEST_TMPDIR/e.jsonl"
  [ "$status" -eq 0 ]
  [ "$(wc -l < "$BATS_TEST_TMPDIR/e.jsonl")" -eq 4 ]
  [[ "$stderr" == *"4 phrases, 3 distinct"* ]]
  # Uncased: "A DOG" is "a dog".
  [ "$(sed -n 1p "$BATS_TEST_TMPDIR/e.jsonl" | jq -c .embedding)" = "$(sed -n 2p "$BATS_TEST_TMPDIR/e.jsonl" | jq -c .embedding)" ]
  # "a dog" against expected.json (the plain-torch BertModel forward in float64): every component within 1e-5.
  worst=$(jq -n --slurpfile e "$BATS_TEST_TMPDIR/e.jsonl" --slurpfile x "$B/expected.json" \
    '[$e[0].embedding, ($x[0].embeddings[] | select(.text == "a dog") | .embedding)] | transpose
     | map(.[0] - .[1] | if . < 0 then -. else . end) | max')
  awk -v w="$worst" 'BEGIN { exit !(w != "" && w < 1e-5) }'
  # f32: a header line, then N x D little-endian float32; --json reads JSON strings (a phrase may hold a newline).
  printf '"a dog"\n"two\\nlines"\n' | grove-embed --quiet --bert "$B/tiny-bin" --json --format f32 -o "$BATS_TEST_TMPDIR/e.f32"
  [ "$(head -1 "$BATS_TEST_TMPDIR/e.f32")" = "grove-embed f32 2 32" ]
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/e.f32")" -eq $((21 + 2 * 32 * 4)) ]
}

@test "grove-embed: no BERT folder, or one without weights, is an error naming what is missing" {
  run --separate-stderr env -u GROVE_BERT grove-embed < /dev/null
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--bert"* ]]
  mkdir "$BATS_TEST_TMPDIR/nob"
  cp "$B/tiny/config.json" "$B/tiny/vocab.txt" "$BATS_TEST_TMPDIR/nob/"
  run --separate-stderr grove-embed --bert "$BATS_TEST_TMPDIR/nob" < /dev/null
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"model.safetensors"*"pytorch_model.bin"* ]]
}

@test "iground --bert: the phrase gate changes Recall, as released and corrected" {
  # One video, two frames, boxes identical on the diagonal and disjoint elsewhere (IoU 1 or 0 in both modes).
  # Frame 0: ground truth [the wooden board, a dog, a red ball], predictions [the wooden boards, a dog, a blue car];
  # frame 1: [a red ball, a dog] and [a blue car, a dog]. On the tiny BERT (expected.json's cosines), "the wooden
  # board"/"the wooden boards" is 0.876, "a dog"/"a dog" 1, "a red ball"/"a blue car" -0.017.
  # IoU only: 5 of 5. As released: frame 0 matches two, then the third pair fails and matching stops; frame 1's
  # first pair fails: 2 of 5. Corrected: frame 1 goes on to "a dog": 3 of 5.
  for mode in "" --corrected; do
    run --separate-stderr grove-eval iground --pred "$E/bert_gate_pred.jsonl" --gt "$E/bert_gate_gt.jsonl" --no-meteor \
      $mode --per-item -o "$BATS_TEST_TMPDIR/m.jsonl"
    [ "$status" -eq 0 ]
    close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall_iou_only)" 1
  done
  run --separate-stderr grove-eval iground --pred "$E/bert_gate_pred.jsonl" --gt "$E/bert_gate_gt.jsonl" --no-meteor \
    --bert "$B/tiny" --per-item -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall)" 0.4
  grep -q '"id":"gate_0".*"true_positives":2,"positives":5' "$BATS_TEST_TMPDIR/m.jsonl"
  ! grep -q 'Recall_iou_only' "$BATS_TEST_TMPDIR/m.jsonl"
  grep -q 'with the BERT text gate: 5 distinct phrases' "$BATS_TEST_TMPDIR/m.jsonl"
  [[ "$output" =~ Recall\ +0\.400000\ +40\.00 ]]
  [[ "$output" != *"IoU only"* ]]
  # GROVE_BERT instead of --bert, the pytorch_model.bin layout ("bert." prefix, gamma/beta, pooler, cls heads).
  GROVE_BERT="$B/tiny-bin" run --separate-stderr grove-eval iground --pred "$E/bert_gate_pred.jsonl" \
    --gt "$E/bert_gate_gt.jsonl" --no-meteor --corrected -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall)" 0.6
}

@test "iground --bert: case does not matter to bert-base-uncased (the pickle case keeps its 3 matches)" {
  # "A person" (ground truth) and "a person" (prediction) tokenize alike: cosine 1, every IoU match passes.
  run --separate-stderr grove-eval iground --pred "$BATS_TEST_TMPDIR/pred.jsonl" --gt "$BATS_TEST_TMPDIR/gt.jsonl" \
    --no-meteor --bert "$B/tiny" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" Recall)" 0.6
}

@test "iground --bert: grove-eval does not load LibTorch, grove-embed does; a helper that cannot run is an error" {
  ! ldd "$GROVE_BIN/grove-eval" | grep -q libtorch
  ldd "$GROVE_BIN/grove-embed" | grep -q libtorch
  run grove-embed --version
  [[ "${lines[2]}" == "running LibTorch "* ]]
  GROVE_EMBED=/nonexistent/grove-embed run --separate-stderr grove-eval iground --pred "$E/bert_gate_pred.jsonl" \
    --gt "$E/bert_gate_gt.jsonl" --no-meteor --bert "$B/tiny" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"grove-embed"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/m.jsonl" ]
}
