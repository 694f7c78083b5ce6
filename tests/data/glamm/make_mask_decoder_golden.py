#!/usr/bin/python3
"""Generator of tests/data/glamm/mask_decoder_seed0.safetensors: SAM's mask decoder in "mask" mode and its mask
post-processing, computed by the original code (ekazakos/grove at c8efc45, model/SAM/modeling: MaskDecoder with
decoding_type="mask", TwoWayTransformer, Sam.postprocess_masks), which is the path GLaMM runs for its [SEG] tokens.
Our own script; it only builds the original's modules, draws their weights and inputs, and saves what they compute.

    git -C GROVE_MIRROR archive c8efc45 model/SAM | tar x -C /tmp/grove-orig
    /usr/bin/python3 tests/data/glamm/make_mask_decoder_golden.py /tmp/grove-orig tests/data/glamm/mask_decoder_seed0.safetensors

Config: prompt dim 32, two-way transformer depth 2, heads 2, MLP 64, attention downsample 2, 4 mask tokens, IoU
head depth 3 (hidden 32); embedding grid 8 x 8 (so masks are 32 x 32); 3 prompts on one frame (reps [3]); the
square model input is 128 px, the frame resized to 96 x 128 and originally 120 x 160. Every parameter is random
(normal, std 0.3; LayerNorm weights around 1), not the modules' initial values.

Tensors: weights under mask_decoder.* (names relative to grounding_encoder.); input.image_embeddings (1, 32, 8, 8),
input.image_pe (1, 32, 8, 8), input.sparse (3, 1, 32), input.dense (3, 32, 8, 8); output.all_masks (3, 4, 32, 32)
and output.all_iou (3, 4) from predict_masks; output.masks (3, 1, 32, 32) and output.iou (3, 1) from forward with
multimask_output False; output.postprocessed (3, 1, 120, 160) from postprocess_masks of output.masks.
"""
import json
import struct
import sys
import types

import torch

sys.modules["einops"] = types.SimpleNamespace(rearrange=None)  # imported by mask_decoder.py, unused in mask mode
sys.path.insert(0, sys.argv[1])
from model.SAM.modeling.mask_decoder import MaskDecoder  # noqa: E402
from model.SAM.modeling.sam import Sam  # noqa: E402
from model.SAM.modeling.transformer import TwoWayTransformer  # noqa: E402

torch.manual_seed(0)
D = 32
dec = MaskDecoder(transformer_dim=D, transformer=TwoWayTransformer(depth=2, embedding_dim=D, mlp_dim=64, num_heads=2),
                  num_multimask_outputs=3, iou_head_depth=3, iou_head_hidden_dim=D, decoding_type="mask")
with torch.no_grad():
    for name, p in dec.named_parameters():
        p.copy_(torch.randn_like(p) * 0.3 + (1.0 if "norm" in name and name.endswith("weight") else 0.0))
dec.eval()
inputs = {
    "image_embeddings": torch.randn(1, D, 8, 8),
    "image_pe": torch.randn(1, D, 8, 8),
    "sparse": torch.randn(3, 1, D),
    "dense": torch.randn(3, D, 8, 8),
}
with torch.no_grad():
    all_masks, all_iou = dec.predict_masks(inputs["image_embeddings"], inputs["image_pe"], inputs["sparse"],
                                           inputs["dense"], reps=[3])
    masks, iou = dec(inputs["image_embeddings"], inputs["image_pe"], inputs["sparse"], inputs["dense"],
                     multimask_output=False, reps=[3])
    holder = types.SimpleNamespace(image_encoder=types.SimpleNamespace(img_size=128))
    post = Sam.postprocess_masks(holder, masks, input_size=(96, 128), original_size=(120, 160))

tensors = {"mask_decoder." + k: v for k, v in dec.state_dict().items()}
tensors.update({"input." + k: v for k, v in inputs.items()})
tensors.update({"output.all_masks": all_masks, "output.all_iou": all_iou, "output.masks": masks, "output.iou": iou,
                "output.postprocessed": post})
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    data = t.contiguous().to(torch.float32).numpy().tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
header["__metadata__"] = {"config": json.dumps({"prompt_dim": D, "decoder_depth": 2, "decoder_heads": 2,
                                                 "decoder_mlp_dim": 64, "attention_downsample_rate": 2,
                                                 "num_mask_tokens": 4, "iou_head_depth": 3, "image_size": 128,
                                                 "input_size": [96, 128], "original_size": [120, 160]}),
                          "source": "ekazakos/grove c8efc45 model/SAM/modeling"}
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
print({k: tuple(v.shape) for k, v in tensors.items() if not k.startswith("mask_decoder.")})
