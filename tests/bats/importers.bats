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
