#!/usr/bin/env bats
# grove-eval captions on the 248 caption items of tests/data/eval/captions_fixture.json, whose expected values
# come from the COCO caption toolkit itself (make_caption_fixture.sh), and on small inputs written here.
bats_require_minimum_version 1.5.0
load helpers

E="$DATA/eval"

# The value of metric $2 in the first metrics record with id $3 (default "all") of JSON Lines file $1.
value() { grep "\"id\": *\"${3:-all}\"" "$1" | grep '"type": *"metrics"' | head -1 | grep -o "\"$2\": *[^,}]*" | sed 's/.*: *//'; }
# The corpus value of metric $1 the toolkit computed (the fixture's "corpus" map).
expected() { sed -n '/"corpus"/,/}/p' "$E/captions_fixture.json" | grep -o "\"$1\": *[^,}]*" | sed 's/.*: *//'; }
# Succeeds when $1 and $2 differ by at most 1e-6.
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1e-6) }'; }

need_wordnet() { [ -f "${WNSEARCHDIR:-/usr/share/wordnet}/index.noun" ] || skip "WordNet 3.0 (wordnet-base) not installed"; }

@test "grove-eval's --help and its man page name the same verbs and options" {
  page="$BATS_TEST_DIRNAME/../../man/man1/grove-eval.1"
  run grove-eval --help
  [[ "$output" == *"captions"* ]]
  grep -q '^\.B grove-eval captions' "$page"
  for opt in $( (grove-eval --help; grove-eval captions --help) | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$page" || { echo "$opt missing from the man page"; return 1; }
  done
}

@test "captions: the corpus scores are the toolkit's, to 1e-6" {
  need_wordnet
  run --separate-stderr grove-eval captions --pred "$E/captions_pred.jsonl" --gt "$E/captions_gt.jsonl" \
    -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  for m in Bleu_1 Bleu_2 Bleu_3 Bleu_4 METEOR ROUGE_L CIDEr; do
    close "$(value "$BATS_TEST_TMPDIR/m.jsonl" $m)" "$(expected $m)" || { echo "$m: $(value "$BATS_TEST_TMPDIR/m.jsonl" $m) != $(expected $m)"; return 1; }
  done
  grep -q '"count": *248' "$BATS_TEST_TMPDIR/m.jsonl"
  # Without a paraphrase table the record and the table say that METEOR omits paraphrases.
  grep -q 'without paraphrase table' "$BATS_TEST_TMPDIR/m.jsonl"
  [[ "$output" == *"Bleu_1"*"CIDEr"* ]]          # -o names a file: the table is on stdout
  [[ "$output" == *"omits paraphrase"* ]]
  grove-convert validate "$BATS_TEST_TMPDIR/m.jsonl"
}

@test "captions: METEOR with a paraphrase table, named by option or environment" {
  need_wordnet
  grove-eval captions --pred "$E/captions_pred.jsonl" --gt "$E/captions_gt.jsonl" \
    --paraphrase "$E/paraphrase-test.gz" -o "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
  close "$(value "$BATS_TEST_TMPDIR/a.jsonl" METEOR)" "$(expected METEOR_para)"
  ! grep -q 'without paraphrase table' "$BATS_TEST_TMPDIR/a.jsonl"
  GROVE_METEOR_PARAPHRASE="$E/paraphrase-test.gz" grove-eval captions --pred "$E/captions_pred.jsonl" \
    --gt "$E/captions_gt.jsonl" -o "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
  close "$(value "$BATS_TEST_TMPDIR/b.jsonl" METEOR)" "$(expected METEOR_para)"
  # An unreadable table is fatal.
  run --separate-stderr grove-eval captions --pred "$E/captions_pred.jsonl" --gt "$E/captions_gt.jsonl" \
    --paraphrase "$BATS_TEST_TMPDIR/none.gz" -o "$BATS_TEST_TMPDIR/c.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "grove-eval: error: $BATS_TEST_TMPDIR/none.gz: "* ]]
  [ ! -e "$BATS_TEST_TMPDIR/c.jsonl" ]
}

@test "captions: per-item records, from msgpack and zstd streams, the table on stderr with stdout output" {
  need_wordnet
  grove-convert cat "$E/captions_pred.jsonl" -o "$BATS_TEST_TMPDIR/pred.grove.zst"
  grove-convert cat "$E/captions_gt.jsonl" -o "$BATS_TEST_TMPDIR/gt.grove"
  run --separate-stderr grove-eval captions --pred "$BATS_TEST_TMPDIR/pred.grove.zst" \
    --gt "$BATS_TEST_TMPDIR/gt.grove" --per-item
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"METEOR"* ]]
  grove-eval captions --pred "$BATS_TEST_TMPDIR/pred.grove.zst" --gt "$BATS_TEST_TMPDIR/gt.grove" --per-item \
    -o "$BATS_TEST_TMPDIR/m.jsonl" > /dev/null
  [ "$(grep -c '"type": *"metrics"' "$BATS_TEST_TMPDIR/m.jsonl")" -eq 249 ]
  # The last record is the corpus one; an item's record holds that item's scores.
  tail -1 "$BATS_TEST_TMPDIR/m.jsonl" | grep -q '"id": *"all"'
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" ROUGE_L identical)" 1
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" METEOR identical)" 1
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" ROUGE_L empty)" 0
  close "$(value "$BATS_TEST_TMPDIR/m.jsonl" METEOR empty)" 0
}

@test "captions: hand-checkable items, and several references from several sample records" {
  d="$BATS_TEST_TMPDIR"
  h='{"type":"header","format":"grove-stream","version":1,"tool":"test","tool_version":"1"}'
  printf '%s\n' "$h" \
    '{"type":"prediction","id":"v1","caption":"A man cuts an onion."}' \
    '{"type":"prediction","id":"v2","caption":"xyz"}' > "$d/p.jsonl"
  printf '%s\n' "$h" \
    '{"type":"sample","id":"v1","caption":"a man cuts an onion"}' \
    '{"type":"sample","id":"v2","caption":"a woman pours oil"}' \
    '{"type":"sample","id":"v2","caption":"someone pours oil"}' \
    '{"type":"sample","id":"v3","caption":"not predicted"}' > "$d/g.jsonl"
  run --separate-stderr grove-eval captions --pred "$d/p.jsonl" --gt "$d/g.jsonl" --per-item --no-meteor -o "$d/m.jsonl"
  [ "$status" -eq 0 ]
  # v1 is identical after tokenisation (case and the final period go); v2 shares nothing.
  close "$(value "$d/m.jsonl" Bleu_1 v1)" 1
  close "$(value "$d/m.jsonl" ROUGE_L v1)" 1
  close "$(value "$d/m.jsonl" ROUGE_L v2)" 0
  close "$(value "$d/m.jsonl" CIDEr v2)" 0
  # CIDEr-D of v1: candidate and reference have the same tf-idf vectors, cosine 1 for n = 1..4: 10 * 4/4 = 10.
  # The corpus value is the mean over the two items, 5.
  close "$(value "$d/m.jsonl" CIDEr v1)" 10
  close "$(value "$d/m.jsonl" CIDEr)" 5
  grep -q '"count": *2' "$d/m.jsonl"
  ! grep -q '"METEOR"' "$d/m.jsonl"
  # The ground-truth item without a prediction is left out, with a warning and a note.
  [[ "$stderr" == *"1 ground-truth items have no prediction"* ]]
  grep -q 'no prediction' "$d/m.jsonl"
}

@test "captions: an empty candidate scores 0, and a prediction without ground truth is an error record" {
  need_wordnet
  d="$BATS_TEST_TMPDIR"
  h='{"type":"header","format":"grove-stream","version":1,"tool":"test","tool_version":"1"}'
  printf '%s\n' "$h" \
    '{"type":"prediction","id":"v1","caption":""}' \
    '{"type":"prediction","id":"orphan","caption":"a cat"}' \
    '{"type":"prediction","id":"v1","caption":"again"}' > "$d/p.jsonl"
  printf '%s\n' "$h" '{"type":"sample","id":"v1","caption":"a man cuts an onion"}' > "$d/g.jsonl"
  run --separate-stderr grove-eval captions --pred "$d/p.jsonl" --gt "$d/g.jsonl" -o "$d/m.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"prediction \"orphan\": no sample record with this id"* ]]
  [[ "$stderr" == *"prediction \"v1\": a second prediction"* ]]
  [ "$(grep -c '"type": *"error"' "$d/m.jsonl")" -eq 2 ]
  for m in Bleu_1 METEOR ROUGE_L CIDEr; do close "$(value "$d/m.jsonl" $m)" 0; done
}

@test "captions: bad input is one error line and exit 2" {
  run --separate-stderr grove-eval captions --pred "$BATS_TEST_TMPDIR/none.jsonl" --gt "$E/captions_gt.jsonl"
  [ "$status" -eq 2 ]
  echo "$stderr" > "$BATS_TEST_TMPDIR/err"
  one_error_line "$BATS_TEST_TMPDIR/err" "grove-eval: error: $BATS_TEST_TMPDIR/none.jsonl: "
  run --separate-stderr grove-eval captions --gt "$E/captions_gt.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--pred"* ]]
  h='{"type":"header","format":"grove-stream","version":1,"tool":"test","tool_version":"1"}'
  printf '%s\n' "$h" '{"type":"sample","id":"v1"}' > "$BATS_TEST_TMPDIR/g.jsonl"
  run --separate-stderr grove-eval captions --pred "$E/captions_pred.jsonl" --gt "$BATS_TEST_TMPDIR/g.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'sample record "v1": needs a string field "caption"'* ]]
}
