#!/usr/bin/env python3
# A synthetic iGround-sized set for bench/grounding.sh: N videos x T frames (default 1000 x 40), 3 phrases per
# video, each visible in most frames with 1-2 boxes (raw annotations), and a prediction per video whose boxes are
# the ground truth jittered, some missing, some extra. Deterministic (seeded); Python's standard library only.
# Writes gt.jsonl and pred.jsonl (grove-stream(5) JSON Lines) into the directory given; prints the number of
# ground-truth boxes.
import json
import random
import sys

out, n, t = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000, int(sys.argv[3]) if len(sys.argv) > 3 else 40
rng = random.Random(7)
words = ["person", "knife", "onion", "bowl", "pan", "spoon", "hand", "board", "pot", "sauce", "dough", "table"]
header = {"type": "header", "format": "grove-stream", "version": 1, "tool": "bench", "tool_version": "0"}
total = 0
with open(f"{out}/gt.jsonl", "w") as g, open(f"{out}/pred.jsonl", "w") as p:
    g.write(json.dumps(header) + "\n")
    p.write(json.dumps(header) + "\n")
    for v in range(n):
        phrases = ["a " + w for w in rng.sample(words, 3)]
        gb, gl, pb, pl, obj = [], [], [], [], []
        for f in range(t):
            fb, fl, qb, ql = [], [], [], []
            for ph in phrases:
                if rng.random() < 0.2:
                    continue
                for _ in range(1 if rng.random() < 0.8 else 2):
                    x, y = rng.uniform(0, 300), rng.uniform(0, 150)
                    w, h = rng.uniform(20, 150), rng.uniform(20, 100)
                    fb.append([x, y, x + w, y + h])
                    fl.append(ph)
                    if rng.random() < 0.85:
                        j = lambda s: rng.uniform(-s, s)
                        qb.append([x + j(15), y + j(15), x + w + j(15), y + h + j(15)])
                        ql.append(ph)
            if rng.random() < 0.3:
                qb.append([rng.uniform(0, 400), rng.uniform(0, 200), 450.0, 250.0])
                ql.append(rng.choice(phrases))
            total += len(fb)
            gb.append(fb)
            gl.append(fl)
            pb.append(qb)
            pl.append(ql)
            obj.append([0.9, 0.8, 0.7])
        caption = f"{phrases[0]} puts {phrases[1]} next to {phrases[2]} on the table"
        pred_caption = f"{phrases[0]} places {phrases[1]} near {phrases[2]}"
        g.write(json.dumps({"type": "sample", "id": f"vid{v:05d}_0", "video_fname": f"vid{v:05d}.mp4", "fps": 25.0,
                            "clip_start_frame": 0, "clip_end_frame": 5 * (t - 1), "width": 455, "height": 256,
                            "caption": caption, "tagged_caption": caption, "phrases": phrases, "bboxes": gb,
                            "labels": gl}) + "\n")
        p.write(json.dumps({"type": "prediction", "id": f"vid{v:05d}_0", "caption": pred_caption,
                            "tagged_caption": pred_caption, "phrases": phrases, "frame_indices": list(range(0, 5 * t, 5)),
                            "boxes": pb, "labels": pl, "objectness": obj}) + "\n")
print(total)
