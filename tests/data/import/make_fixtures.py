#!/usr/bin/python3
# Writes the importer fixtures in the layouts of the original's files, with Debian's python3 and python3-numpy:
#   iground_dict.pkl      one dict {clip key: annotation} (numpy arrays for boxes and labels, as the released
#                         HowToGround1M pickles hold them; protocol 4), raw annotations (two boxes of one phrase)
#   iground_dict_p2.pkl   the same dict with protocol 2 (bytes through _codecs.encode)
#   iground_dict_p5.pkl   the same dict with protocol 5 (numpy's _frombuffer)
#   vidA_0.pkl            one clip per file (preprocess_howtoground_annot.py's layout; the stem is the key),
#                         plain lists, processed (union boxes)
#   iground.jsonl         the dict's clips as JSON Lines, one annotation a line with its key in "id"
#   iground_pred.pkl      infer_iground.py's prediction pickle for the dict's clips
#   vidstg_test.json      TubeDETR-style VidSTG annotations (videos[] + trajectories{})
#   anet.json, anet_split_ids.json, anet_timestamps.json   ActivityNet-Entities, its split ids, frame timestamps
#   youcook_gt.pkl        YouCook-Interactions ground truth (a list of segments)
# Run from this directory: ./make_fixtures.py
import json
import pickle
import numpy as np

clips = {
    "vidA_0": {
        "video_id": "vidA", "clip_id": 0, "video_fname": "vidA.mp4", "fps": 25.0,
        "clip_start_frame": 100, "clip_end_frame": 115, "width": 455, "height": 256,
        "caption": "A person cuts an onion.", "tagged_caption": "<p>A person</p> cuts <p>an onion</p>.",
        "phrases": np.array(["A person", "an onion"]),
        "bboxes": [np.array([[10.5, 20.0, 100.0, 200.0], [120.0, 30.0, 180.0, 90.0], [200.0, 30.0, 240.0, 90.0]], dtype=np.float32),
                   np.zeros((0, 4), dtype=np.float32),
                   np.array([[11.0, 21.0, 101.0, 201.0]], dtype=np.float32),
                   np.array([[12.0, 22.0, 102.0, 202.0]], dtype=np.float64)],
        "labels": [np.array(["A person", "an onion", "an onion"]), np.array([], dtype="<U1"), np.array(["A person"]),
                   ["A person"]],
    },
    "vidB_3": {
        "video_id": "vidB", "clip_id": np.int64(3), "video_fname": "sub/vidB.webm", "fps": np.float64(29.97),
        "clip_start_frame": np.int64(0), "clip_end_frame": 20, "width": 640, "height": 360,
        "caption": "\"A chef stirs the soup in a pot.\"", "tagged_caption": "<p>A chef</p> stirs <p>the soup</p> in a pot.",
        "phrases": ["A chef", "the soup"],
        "bboxes": [[[1, 2, 3, 4]], [[5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]], [], [], []],
        "labels": [["A chef"], ["A chef", "the soup"], [], [], []],
    },
}
for proto, name in [(4, "iground_dict.pkl"), (2, "iground_dict_p2.pkl"), (5, "iground_dict_p5.pkl")]:
    with open(name, "wb") as f:
        pickle.dump(clips, f, protocol=proto)

one = {
    "video_id": "vidA", "clip_id": 0, "video_fname": "vidA.mp4", "fps": 25.0, "clip_start_frame": 100,
    "clip_end_frame": 115, "width": 455, "height": 256, "caption": "A person cuts an onion.",
    "tagged_caption": "<p>A person</p> cuts <p>an onion</p>.", "phrases": ["A person", "an onion"],
    "bboxes": [[[10.5, 20.0, 100.0, 200.0], [120.0, 30.0, 240.0, 90.0]], [], [[11.0, 21.0, 101.0, 201.0]], [[12.0, 22.0, 102.0, 202.0]]],
    "labels": [["A person", "an onion"], [], ["A person"], ["A person"]],
}
with open("vidA_0.pkl", "wb") as f:
    pickle.dump(one, f)


def plain(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


with open("iground.jsonl", "w") as f:
    for k, v in clips.items():
        d = {"id": k}
        d.update({kk: plain(vv) for kk, vv in v.items()})
        f.write(json.dumps(d) + "\n")

preds = {
    "vidA_0": {
        "pred_bboxes": [np.array([[10.0, 20.0, 100.0, 200.0]], dtype=np.float32), np.zeros((0, 4), dtype=np.float32),
                        np.array([[11.0, 21.0, 101.0, 201.0], [0.0, 0.0, 5.0, 5.0]], dtype=np.float32),
                        np.array([[12.0, 22.0, 102.0, 202.0]], dtype=np.float32),
                        np.array([[1.0, 1.0, 2.0, 2.0]], dtype=np.float32)],
        "pred_labels": [["a person"], [], ["a person", "an onion"], ["a person"], ["a person"]],
        "pred_phrases": ["a person", "an onion"], "pred_text": "a person cuts an onion",
        "pred_text_tagged": "<p> a person </p> [DET] cuts <p> an onion </p> [DET]",
        "probs_temp_objectness": [np.array([0.9, 0.1], dtype=np.float32)] * 5,
    }
}
with open("iground_pred.pkl", "wb") as f:
    pickle.dump(preds, f)

vidstg = {
    "videos": [
        {"video_id": 0, "original_video_id": "2727682922", "target_id": 1, "fps": 29.97, "tube_start_frame": 10,
         "tube_end_frame": 30, "qtype": "declarative", "caption": "a man in red rides a bike. ", "width": 640,
         "height": 480, "video_path": "0001/2727682922.mp4", "frame_count": 300},
        {"video_id": 1, "original_video_id": "2727682922", "target_id": 2, "fps": 10.0, "tube_start_frame": 0,
         "tube_end_frame": 6, "qtype": "interrogative", "caption": "what is beside the bike?", "width": 640,
         "height": 480, "video_path": "0001/2727682922.mp4", "frame_count": 300},
        {"video_id": 2, "original_video_id": "missing", "target_id": 1, "fps": 30.0, "tube_start_frame": 0,
         "tube_end_frame": 10, "qtype": "declarative", "caption": "a dog.", "width": 10, "height": 10,
         "video_path": "x.mp4"},
    ],
    "trajectories": {
        "2727682922": {
            "1": {str(f): {"bbox": [f, 2 * f, 30, 40], "generated": 0} for f in range(0, 40)},
            "2": {str(f): {"bbox": [100, 100, 50, 60], "generated": 0} for f in range(0, 10)},
        }
    },
}
with open("vidstg_test.json", "w") as f:
    json.dump(vidstg, f)

anet = {
    "vocab": ["man", "ball", "woman"],
    "annotations": {
        "v_aaa": {
            "duration": 20.0,
            "segments": {
                "0": {"timestamps": [1.0, 9.0], "tokens": ["A", "man", "throws", "a", "ball", "to", "the", "woman"],
                      "process_clss": [["man"], ["ball"], ["woman"]], "process_idx": [[1], [4], [7]],
                      "frame_ind": [2, 5, 5], "process_bnd_box": [[10, 10, 50, 80], [60, 60, 70, 70], [100, 20, 150, 90]],
                      "crowds": [0, 0, 0]},
                "1": {"timestamps": [9.0, 30.0], "tokens": ["He", "leaves"], "process_clss": [], "process_idx": [],
                      "frame_ind": [], "process_bnd_box": [], "crowds": []},
            },
        },
        "v_bbb": {"duration": 5.0, "segments": {"0": {"timestamps": [0, 4], "tokens": ["x"], "process_clss": [["x"]],
                                                       "process_idx": [[0]], "frame_ind": [0],
                                                       "process_bnd_box": [[0, 0, 1, 1]], "crowds": [0]}}},
    },
}
with open("anet.json", "w") as f:
    json.dump(anet, f)
with open("anet_split_ids.json", "w") as f:
    json.dump({"training": ["v_bbb"], "validation": ["v_aaa"], "testing": []}, f)
with open("anet_timestamps.json", "w") as f:
    json.dump({"v_aaa": [i * 0.5 for i in range(41)], "v_bbb": [i * 0.5 for i in range(11)]}, f)

youcook = [
    {"video_id": "yc1", "segment_youcook_idx": 4, "video_fname": "yc1.mp4", "fps": 30.0, "width": 320, "height": 240,
     "caption": "stir the sauce", "pts": [10.0 + i / 30 for i in range(90)], "secs_relative": [10.5, 11.0, 11.5],
     "segment_bboxes": [[10, 10, 50, 50], [], np.array([20.0, 20.0, 60.0, 60.0])]},
    {"video_id": "yc2", "segment_youcook_idx": 0, "video_fname": "yc2.mp4", "fps": 25.0, "width": 320, "height": 240,
     "caption": "cut", "pts": [0.0, 0.04], "secs_relative": [0.0], "segment_bboxes": [[0, 0, 10, 10]]},
]
with open("youcook_gt.pkl", "wb") as f:
    pickle.dump(youcook, f)
