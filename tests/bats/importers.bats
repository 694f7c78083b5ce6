#!/usr/bin/env bats
# grove-convert's importers on fixtures in the original files' layouts (tests/data/import/make_fixtures.py writes
# them with Debian's python3 and python3-numpy).
bats_require_minimum_version 1.5.0
load helpers

I="$DATA/import"

@test "import-iground: a dict pickle (numpy arrays and scalars) becomes valid sample records" {
  run --separate-stderr grove-convert import-iground "$I/iground_dict.pkl" --split test -o "$BATS_TEST_TMPDIR/s.jsonl"
  [ "$status" -eq 0 ]
  [ "$(grep -c '"type":"sample"' "$BATS_TEST_TMPDIR/s.jsonl")" -eq 2 ]
  grep -q '"id":"vidA_0","video_id":"vidA","clip_id":0' "$BATS_TEST_TMPDIR/s.jsonl"
  # (3,4) float32 array of a frame with two boxes of one phrase (raw annotations), an empty (0,4) array, float64.
  grep -q '"bboxes":\[\[\[10.5,20.0,100.0,200.0\],\[120.0,30.0,180.0,90.0\],\[200.0,30.0,240.0,90.0\]\],\[\],' "$BATS_TEST_TMPDIR/s.jsonl"
  grep -q '"labels":\[\["A person","an onion","an onion"\],\[\],\["A person"\],\["A person"\]\]' "$BATS_TEST_TMPDIR/s.jsonl"
  grep -q '"id":"vidB_3".*"clip_id":3,.*"fps":29.97,"clip_start_frame":0' "$BATS_TEST_TMPDIR/s.jsonl"
  grep -q '"dataset":"iground","split":"test"' "$BATS_TEST_TMPDIR/s.jsonl"
  run grove-convert validate "$BATS_TEST_TMPDIR/s.jsonl"
  [ "$status" -eq 0 ]
}

@test "import-iground: protocols 2, 4 and 5 and the JSON Lines release give the same records" {
  for f in iground_dict.pkl iground_dict_p2.pkl iground_dict_p5.pkl iground.jsonl; do
    grove-convert import-iground "$I/$f" -o "$BATS_TEST_TMPDIR/$f.jsonl" 2>/dev/null
  done
  cmp "$BATS_TEST_TMPDIR/iground_dict.pkl.jsonl" "$BATS_TEST_TMPDIR/iground_dict_p2.pkl.jsonl"
  cmp "$BATS_TEST_TMPDIR/iground_dict.pkl.jsonl" "$BATS_TEST_TMPDIR/iground_dict_p5.pkl.jsonl"
  cmp "$BATS_TEST_TMPDIR/iground_dict.pkl.jsonl" "$BATS_TEST_TMPDIR/iground.jsonl.jsonl"
}

@test "import-iground: one clip per file takes its key from the file name" {
  run --separate-stderr grove-convert import-iground "$I/vidA_0.pkl" -o "$BATS_TEST_TMPDIR/s.jsonl"
  [ "$status" -eq 0 ]
  [ "$(grep -c '"type":"sample"' "$BATS_TEST_TMPDIR/s.jsonl")" -eq 1 ]
  grep -q '"id":"vidA_0"' "$BATS_TEST_TMPDIR/s.jsonl"
  grep -q '"bboxes":\[\[\[10.5,20.0,100.0,200.0\],\[120.0,30.0,240.0,90.0\]\],\[\]' "$BATS_TEST_TMPDIR/s.jsonl"
}

@test "import-vidstg: TubeDETR's layout, eval_vidstg.py's frames, a broken video as an error record" {
  run --separate-stderr grove-convert import-vidstg "$I/vidstg_test.json" -o "$BATS_TEST_TMPDIR/v.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"no trajectory missing/1"* ]]
  # fps 29.97: step int(29.97/5) = 5 over range(10, 29); boxes xywh -> xyxy.
  grep -q '"id":"0".*"bboxes":\[\[\[10.0,20.0,40.0,60.0\]\],\[\[15.0,30.0,45.0,70.0\]\],\[\[20.0,40.0,50.0,80.0\]\],\[\[25.0,50.0,55.0,90.0\]\]\]' "$BATS_TEST_TMPDIR/v.jsonl"
  grep -q '"id":"0".*"frame_indices":\[10,15,20,25\].*"qtype":"declarative"' "$BATS_TEST_TMPDIR/v.jsonl"
  grep -q '"id":"1".*"frame_indices":\[0,2,4\].*"qtype":"interrogative"' "$BATS_TEST_TMPDIR/v.jsonl"
  grep -q '"type":"error","id":"2"' "$BATS_TEST_TMPDIR/v.jsonl"
}

@test "import-anet: the split's videos, frames from the timestamps, tokens and entities" {
  run --separate-stderr grove-convert import-anet "$I/anet.json" --split-ids "$I/anet_split_ids.json" \
    --timestamps "$I/anet_timestamps.json" -o "$BATS_TEST_TMPDIR/a.jsonl"
  [ "$status" -eq 0 ]
  [ "$(grep -c '"type":"sample"' "$BATS_TEST_TMPDIR/a.jsonl")" -eq 2 ]
  ! grep -q 'v_bbb' "$BATS_TEST_TMPDIR/a.jsonl"   # a training video
  # Segment [1, 9]: midpoints 1.4, 2.2, ..., 8.6 on frames every 0.5 s -> the nearest frames.
  grep -q '"id":"v_aaa_0".*"frame_indices":\[3,4,6,8,9,11,12,14,16,17\]' "$BATS_TEST_TMPDIR/a.jsonl"
  grep -q '"entities":\[{"frame":2,"box":\[10.0,10.0,50.0,80.0\],"classes":\["man"\],"word_indices":\[1\],"crowd":0}' "$BATS_TEST_TMPDIR/a.jsonl"
  grep -q '"tagged_caption":"a <p>man</p> throws a <p>ball</p> to the <p>woman</p>"' "$BATS_TEST_TMPDIR/a.jsonl"
  # [9, 30] is clamped to timestamps[-2] = 19.5.
  grep -q '"id":"v_aaa_1".*"frame_indices":\[19,21,23,25,27,30,32,34,36,38\]' "$BATS_TEST_TMPDIR/a.jsonl"
  run grove-convert import-anet "$I/anet.json" --split-ids "$I/anet_split_ids.json" --anet-split training \
    --timestamps "$I/anet_timestamps.json" -o "$BATS_TEST_TMPDIR/t.jsonl"
  [ "$status" -eq 0 ]
  grep -q '"id":"v_bbb_0"' "$BATS_TEST_TMPDIR/t.jsonl"
}

@test "import-youcook: one frame per annotated second, with its box or none" {
  run --separate-stderr grove-convert import-youcook "$I/youcook_gt.pkl" -o "$BATS_TEST_TMPDIR/y.jsonl"
  [ "$status" -eq 0 ]
  grep -q '"id":"yc1_4".*"bboxes":\[\[\[10.0,10.0,50.0,50.0\]\],\[\],\[\[20.0,20.0,60.0,60.0\]\]\].*"frame_indices":\[315,330,345\]' "$BATS_TEST_TMPDIR/y.jsonl"
  grep -q '"dataset":"youcook-interactions"' "$BATS_TEST_TMPDIR/y.jsonl"
}

@test "importers: a file that is not what the verb reads is one error line and exit 2" {
  run --separate-stderr grove-convert import-iground "$I/anet_split_ids.json" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 1 ]   # JSON, but no annotation on its line: an error record
  run --separate-stderr grove-convert import-vidstg "$I/anet.json" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"not a TubeDETR-style VidSTG file"* ]]
  run --separate-stderr grove-convert import-youcook "$I/iground_dict.pkl" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
}

# The original's prediction files of the other benchmarks (make_prediction_fixtures.py), converted and scored
# end to end; the values are derived by hand in the comments.
pvalue() { grep "\"id\": *\"${3:-all}\"" "$1" | grep '"type": *"metrics"' | head -1 | grep -o "\"$2\": *[^,}]*" | sed 's/.*: *//'; }
pclose() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1e-9) }'; }

@test "from-pickle --layout vidstg: infer_vidstg.py's pickle scored by grove-eval vidstg" {
  run --separate-stderr grove-convert from-pickle --layout vidstg "$I/vidstg_pred.pkl" -o "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 0 ]
  grep -q '"id":"0",.*"frame_indices":\[10,15,20,25\],"boxes":\[\[\[10.0,20.0,40.0,60.0\]\],' "$BATS_TEST_TMPDIR/p.jsonl"
  grep -q '"id":"1",.*"qtype":"interrogative"' "$BATS_TEST_TMPDIR/p.jsonl"
  run grove-convert validate "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 0 ]
  grove-convert import-vidstg "$I/vidstg_test.json" -o "$BATS_TEST_TMPDIR/v.jsonl" 2>/dev/null || true
  run --separate-stderr grove-eval vidstg --pred "$BATS_TEST_TMPDIR/p.jsonl" --gt "$BATS_TEST_TMPDIR/v.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # Video 0: IoU 1, 1, 0 (a zero box), 0 (a box elsewhere) -> 0.5, not > 0.5. Video 1: 1, 0.5 (half the height),
  # 1 -> 5/6.
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" declarative_gt_viou)" 0.5
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" declarative_gt_viou@0.5)" 0
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" interrogative_gt_viou)" "$(echo '5/6' | bc -l)"
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" interrogative_gt_viou@0.5)" 1
}

@test "from-pickle --layout anet: the JSON submission and its pickle give the same records, scored by grove-eval anet" {
  run --separate-stderr grove-convert from-pickle --layout anet "$I/anet_pred.json" -o "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 0 ]
  grove-convert from-pickle --layout anet "$I/anet_pred.pkl" -o "$BATS_TEST_TMPDIR/p2.jsonl" 2>/dev/null
  cmp "$BATS_TEST_TMPDIR/p.jsonl" "$BATS_TEST_TMPDIR/p2.jsonl"
  # One record per segment; frame f holds every phrase's box on f, labelled by its phrase.
  grep -q '"id":"v_aaa_0",.*"phrases":\["man","leaves","ball","dog"\],"frame_indices":\[0,1,2,3,4,5,6,7,8,9\]' "$BATS_TEST_TMPDIR/p.jsonl"
  grep -q '"id":"v_aaa_1",.*"labels":\[\["he"\],' "$BATS_TEST_TMPDIR/p.jsonl"
  run grove-convert validate "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 0 ]
  [ -f "${WNSEARCHDIR:-/usr/share/wordnet}/index.noun" ] || skip "WordNet 3.0 (wordnet-base) not installed"
  grove-convert import-anet "$I/anet.json" --split-ids "$I/anet_split_ids.json" --timestamps "$I/anet_timestamps.json" \
    -o "$BATS_TEST_TMPDIR/a.jsonl" 2>/dev/null
  run --separate-stderr grove-eval anet --pred "$BATS_TEST_TMPDIR/p.jsonl" --gt "$BATS_TEST_TMPDIR/a.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # Precision: man 1 (its box on frame 2 is the ground truth's), "leaves" 0 (hallucinated), ball 1 (frame 5), dog 0;
  # recall: man 1, ball 1, woman 0 (not predicted); 3 classes: P = R = F1 = 2/3. Per sentence: P 1/2, R 2/3,
  # F1 4/7, over the 2 segments of the submission.
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" F1_all)" "$(echo '2/3' | bc -l)"
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" F1_all_per_sent)" "$(echo '4/7/2' | bc -l)"
}

@test "from-pickle --layout youcook: final boxes on the ground truth's frames, scored by grove-eval pointing" {
  grove-convert import-youcook "$I/youcook_gt.pkl" -o "$BATS_TEST_TMPDIR/y.jsonl" 2>/dev/null
  run --separate-stderr grove-convert from-pickle --layout youcook "$I/youcook_pred.pkl" -o "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"needs --samples"* ]]
  run --separate-stderr grove-convert from-pickle --layout youcook --samples "$BATS_TEST_TMPDIR/y.jsonl" \
    "$I/youcook_pred.pkl" -o "$BATS_TEST_TMPDIR/p.jsonl"
  [ "$status" -eq 0 ]
  grep -q '"id":"yc1_4",.*"frame_indices":\[315,330,345\],"boxes":\[\[\[0.0,0.0,60.0,60.0\]\],' "$BATS_TEST_TMPDIR/p.jsonl"
  grep -q '"id":"yc2_0",.*"frame_indices":\[0\],"boxes":\[\[\]\]' "$BATS_TEST_TMPDIR/p.jsonl"   # a NaN box: none
  run --separate-stderr grove-eval pointing --pred "$BATS_TEST_TMPDIR/p.jsonl" --gt "$BATS_TEST_TMPDIR/y.jsonl" -o "$BATS_TEST_TMPDIR/m.jsonl"
  [ "$status" -eq 0 ]
  # yc1_4: centre (30, 30) in [10, 10, 50, 50]; the second without a box is skipped; centre (60, 60) on the border
  # of [20, 20, 60, 60]. yc2_0: NaN, wrong. 2 / 3.
  pclose "$(pvalue "$BATS_TEST_TMPDIR/m.jsonl" accuracy)" "$(echo '200/3' | bc -l)"
  [[ "$output" == *"Localization Accuracy: 66.67%"* ]]
  # A clip without a ground-truth sample cannot be placed: an error record, the rest converted.
  grep -v '"yc2_0"' "$BATS_TEST_TMPDIR/y.jsonl" > "$BATS_TEST_TMPDIR/y1.jsonl"
  run --separate-stderr grove-convert from-pickle --layout youcook --samples "$BATS_TEST_TMPDIR/y1.jsonl" \
    "$I/youcook_pred.pkl" -o "$BATS_TEST_TMPDIR/p1.jsonl"
  [ "$status" -eq 1 ]
  grep -q '"type":"error","id":"yc2_0"' "$BATS_TEST_TMPDIR/p1.jsonl"
  grep -q '"id":"yc1_4"' "$BATS_TEST_TMPDIR/p1.jsonl"
}

@test "from-pickle --layout: a file of another layout is one error line and exit 2" {
  run --separate-stderr grove-convert from-pickle --layout anet "$I/vidstg_pred.pkl" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"not an ActivityNet-Entities submission"* ]]
  run --separate-stderr grove-convert from-pickle --layout vidstg "$I/youcook_gt.pkl" -o "$BATS_TEST_TMPDIR/x.jsonl"
  [ "$status" -eq 2 ]
}
