#!/usr/bin/python3
"""Generator of tests/data/video/pil_resize.safetensors (our own code): PIL's own resize of small 8-bit RGB
images, shrinking and enlarging, with both filters GROVE's preprocessing uses, for the unit test of
video::pil_resize. Needs Debian 12's python3-pil and python3-numpy:

    /usr/bin/python3 tests/data/video/make_pil_resize.py tests/data/video

Tensors: case{k}.in (h, w, 3) U8 and case{k}.out (H, W, 3) U8; metadata "cases" lists [filter, W, H] per case.
"""
import json
import struct
import sys

import numpy as np
from PIL import Image

CASES = [  # (input w, h, output w, h, filter)
    (91, 51, 60, 33, "bicubic"),       # CLIP-like: the short side to a size, the long side int(size * long / short)
    (64, 36, 119, 67, "bicubic"),      # enlarge
    (300, 200, 33, 19, "bicubic"),     # shrink a lot: wide antialiasing kernels, negative lobes
    (17, 9, 40, 31, "bicubic"),        # enlarge both sides, non-integer ratios
    (91, 51, 128, 72, "bilinear"),     # SAM-like: the longest side to a size
    (256, 144, 100, 56, "bilinear"),
    (101, 73, 23, 80, "bilinear"),     # shrink one side, enlarge the other
    (64, 48, 64, 20, "bilinear"),      # vertical pass only
    (64, 48, 21, 48, "bicubic"),       # horizontal pass only
]


def image(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    smooth = (128 + 100 * np.sin(x / 7.0 + seed) * np.cos(y / 5.0))[..., None]
    noise = rng.integers(0, 256, (h, w, 3))
    edges = ((x // 9 + y // 7) % 2 * 255)[..., None]
    pick = rng.integers(0, 3, (h, w, 1))
    return np.where(pick == 0, smooth, np.where(pick == 1, noise, edges)).clip(0, 255).astype(np.uint8)


def main(out_dir):
    tensors, meta = {}, []
    for k, (w, h, ow, oh, f) in enumerate(CASES):
        src = image(w, h, k)
        filt = Image.BICUBIC if f == "bicubic" else Image.BILINEAR
        dst = np.asarray(Image.fromarray(src).resize((ow, oh), filt))
        tensors[f"case{k}.in"] = src
        tensors[f"case{k}.out"] = dst
        meta.append([f, ow, oh])
    header, blobs, offset = {"__metadata__": {"cases": json.dumps(meta)}}, [], 0
    for name, t in tensors.items():
        b = np.ascontiguousarray(t).tobytes()
        header[name] = {"dtype": "U8", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(f"{out_dir}/pil_resize.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


if __name__ == "__main__":
    main(sys.argv[1])
