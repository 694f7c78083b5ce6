#!/usr/bin/python3
"""Generator of tests/data/infer/predictions.pkl (our own code): a prediction pickle laid out as the original's
infer_iground.py writes it (a dict by clip id; numpy float32 arrays; pickle.dump's default protocol), with the
quirk of a box past the last phrase (no label), and predictions.jsonl, the grove stream it must read as.

    /usr/bin/python3 tests/data/infer/make_prediction_pickle.py tests/data/infer

Needs Debian 12's python3-numpy.
"""
import json
import os
import pickle
import sys

import numpy as np

out = sys.argv[1]
f32 = np.float32
clips = {
    "vid1_3": {
        "pred_bboxes": [np.array([[10.5, 20.25, 100.0, 200.0], [0.0, 1.0, 2.0, 3.0]], dtype=f32),
                        np.zeros((0, 4), dtype=f32),
                        np.array([[1024.0, 512.0, 1920.0, 1080.0], [3.0, 4.0, 5.0, 6.0], [7.0, 8.0, 9.0, 10.5]], dtype=f32)],
        "pred_labels": [["a man", "an onion"], [], ["a man", "an onion"]],  # the third box has no phrase
        "pred_phrases": ["a man", "an onion"],
        "pred_text": "a man cuts an onion .",
        "pred_text_tagged": "<p> a man </p> cuts <p> an onion </p> .</s>",
        "probs_temp_objectness": [np.array([0.75, 0.5625], dtype=f32), np.array([0.25, 0.125], dtype=f32),
                                  np.array([0.875, 0.9375], dtype=f32)],
    },
    "vid2_0": {
        "pred_bboxes": [np.zeros((0, 4), dtype=f32)],
        "pred_labels": [[]],
        "pred_phrases": [],
        "pred_text": "nothing to see",
        "pred_text_tagged": "nothing to see</s>",
        "probs_temp_objectness": [np.zeros((0,), dtype=f32)],
    },
}
with open(os.path.join(out, "predictions.pkl"), "wb") as f:
    pickle.dump(clips, f)

records = [{"type": "header", "format": "grove-stream", "version": 1, "tool": "grove-convert", "tool_version": "0.1.0"}]
for key, c in clips.items():
    boxes = [[[float(x) for x in b] for b in frame] for frame in c["pred_bboxes"]]
    labels = [list(l) + [""] * (len(b) - len(l)) for l, b in zip(c["pred_labels"], boxes)]
    records.append({
        "type": "prediction", "id": key, "caption": c["pred_text"], "tagged_caption": c["pred_text_tagged"],
        "phrases": c["pred_phrases"], "frame_indices": list(range(len(boxes))), "boxes": boxes, "labels": labels,
        "objectness": [[float(p) for p in probs] for probs in c["probs_temp_objectness"]],
    })
with open(os.path.join(out, "predictions.jsonl"), "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")
