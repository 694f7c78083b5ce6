#!/usr/bin/python3
# Writes the original's prediction files for the benchmarks other than iGround (make_fixtures.py writes
# iground_pred.pkl), in the layouts its infer scripts write, for the ground truth of make_fixtures.py; Debian's
# python3 and python3-numpy. grove-convert from-pickle --layout reads them (tests/bats/importers.bats):
#   vidstg_pred.pkl    infer_vidstg.py: {video_id (int): {'boxes': [np.float32 (1, 4) per frame],
#                      'frame_ids': [native frame numbers], 'qtype': str}}
#   anet_pred.json     infer_anet.py's submission (JSON, as it writes it): {"results": {video: {segment: {"clss",
#                      "idx_in_sent", "bbox_for_all_frames": [10 boxes per phrase]}}}, "eval_mode", "external_data"}
#   anet_pred.pkl      the same dict pickled (protocol 4)
#   youcook_pred.pkl   infer_youcookinteractions.py / infer_groundingyoutube.py: {video_segment: {'pts_to_bbox':
#                      {seconds: np.float32 (1, 4)}, 'final_boxes': [np.float32 (1, 4) per annotated second],
#                      'selected_pts': [seconds]}}
# Run from this directory: ./make_prediction_fixtures.py
import json
import pickle
import numpy as np


def box(*b):
    return np.array([b], dtype=np.float32)


# vidstg_test.json: video 0 (declarative) is on frames 10, 15, 20, 25 with boxes [f, 2f, f+30, 2f+40];
# video 1 (interrogative) on frames 0, 2, 4 with [100, 100, 150, 160].
vidstg = {
    0: {"boxes": [box(10, 20, 40, 60), box(15, 30, 45, 70), box(0, 0, 0, 0), box(300, 300, 310, 310)],
        "frame_ids": [10, 15, 20, 25], "qtype": "declarative"},
    1: {"boxes": [box(100, 100, 150, 160), box(100, 100, 150, 130), box(100, 100, 150, 160)],
        "frame_ids": [0, 2, 4], "qtype": "interrogative"},
}
with open("vidstg_pred.pkl", "wb") as f:
    pickle.dump(vidstg, f)

# anet.json: v_aaa segment 0 annotates man (frame 2), ball and woman (frame 5).
ten = lambda b: [list(b) for _ in range(10)]
anet = {
    "results": {
        "v_aaa": {
            "0": {"clss": ["man", "leaves", "ball", "dog"], "idx_in_sent": [2, 16, 30, 40],
                  "bbox_for_all_frames": [ten([10.0, 10.0, 50.0, 80.0]), ten([0.0, 0.0, 1.0, 1.0]),
                                          ten([60.0, 60.0, 70.0, 70.0]), ten([0.0, 0.0, 1.0, 1.0])]},
            "1": {"clss": ["he"], "idx_in_sent": [0], "bbox_for_all_frames": [ten([5.0, 5.0, 9.0, 9.0])]},
        }
    },
    "eval_mode": "gen",
    "external_data": {"used": True, "details": "Object detector pre-trained on Visual Genome on object detection task."},
}
with open("anet_pred.json", "w") as f:
    json.dump(anet, f)
with open("anet_pred.pkl", "wb") as f:
    pickle.dump(anet, f, protocol=4)

# youcook_gt.pkl: yc1_4's seconds 10.5, 11.0, 11.5 have boxes [10, 10, 50, 50], none, [20, 20, 60, 60]; yc2_0's
# second 0.0 has [0, 0, 10, 10].
youcook = {
    "yc1_4": {"pts_to_bbox": {10.5: box(0, 0, 60, 60), 11.0: box(1, 1, 2, 2), 11.5: box(30, 30, 90, 90)},
              "final_boxes": [box(0, 0, 60, 60), box(1, 1, 2, 2), box(30, 30, 90, 90)],
              "selected_pts": [10.5, 11.0, 11.5]},
    "yc2_0": {"pts_to_bbox": {0.0: box(np.nan, np.nan, np.nan, np.nan)},
              "final_boxes": [box(np.nan, np.nan, np.nan, np.nan)], "selected_pts": [0.0]},
}
with open("youcook_pred.pkl", "wb") as f:
    pickle.dump(youcook, f)
