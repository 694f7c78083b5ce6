#!/usr/bin/python3
"""Generator of tests/data/glamm/mask_decoder_seed0.safetensors and sam_encoder_seed0.safetensors: plain SAM as
GLaMM runs it, computed by the original code (ekazakos/grove at c8efc45, model/SAM/modeling): the mask decoder in
"mask" mode with its mask post-processing (MaskDecoder with decoding_type="mask", TwoWayTransformer,
Sam.postprocess_masks), the path of GLaMM's [SEG] tokens, and the image encoder without GROVE's adapters
(ImageEncoderViT with adapter_type="none"). Our own script; it only builds the original's modules, draws their
weights and inputs, and saves what they compute.

    git -C GROVE_MIRROR archive c8efc45 model/SAM | tar x -C /tmp/grove-orig
    /usr/bin/python3 tests/data/glamm/make_sam_golden.py /tmp/grove-orig tests/data/glamm

Config: prompt dim 32, two-way transformer depth 2, heads 2, MLP 64, attention downsample 2, 4 mask tokens, IoU
head depth 3 (hidden 32); embedding grid 8 x 8 (so masks are 32 x 32); 3 prompts on one frame (reps [3]); the
square model input is 128 px, the frame resized to 96 x 128 and originally 120 x 160. Every parameter is random
(normal, std 0.3; LayerNorm weights around 1), not the modules' initial values.

Tensors: weights under mask_decoder.* (names relative to grounding_encoder.); input.image_embeddings (1, 32, 8, 8),
input.image_pe (1, 32, 8, 8), input.sparse (3, 1, 32), input.dense (3, 32, 8, 8); output.all_masks (3, 4, 32, 32)
and output.all_iou (3, 4) from predict_masks; output.masks (3, 1, 32, 32) and output.iou (3, 1) from forward with
multimask_output False; output.postprocessed (3, 1, 120, 160) from postprocess_masks of output.masks.

sam_encoder_seed0: ViT embed 32, depth 2, heads 2, global attention in block 1, image 128, patch 16, window 4, neck
32, relative positions, LayerNorm eps 1e-6; adapter_type "none". Weights under image_encoder.*; input.pixels
(2, 3, 128, 128) (already normalised: two frames, each its own image); output.image_embeddings (2, 32, 8, 8).
"""
import functools
import os
import json
import struct
import sys
import types

import torch



def rearrange(x, pattern):  # einops' rearrange for the one pattern the image encoder uses
    assert pattern == "b c t h w -> (b t) c h w"
    b, c, t, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)


sys.modules["einops"] = types.SimpleNamespace(rearrange=rearrange)
sys.path.insert(0, sys.argv[1])
from model.SAM.modeling.image_encoder import ImageEncoderViT  # noqa: E402
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

def save(path, tensors, config):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"config": json.dumps(config), "source": "ekazakos/grove c8efc45 model/SAM/modeling"}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    print(path, {k: tuple(v.shape) for k, v in tensors.items() if k.startswith(("input.", "output."))})


tensors = {"mask_decoder." + k: v for k, v in dec.state_dict().items()}
tensors.update({"input." + k: v for k, v in inputs.items()})
tensors.update({"output.all_masks": all_masks, "output.all_iou": all_iou, "output.masks": masks, "output.iou": iou,
                "output.postprocessed": post})
save(os.path.join(sys.argv[2], "mask_decoder_seed0.safetensors"), tensors,
     {"prompt_dim": D, "decoder_depth": 2, "decoder_heads": 2, "decoder_mlp_dim": 64, "attention_downsample_rate": 2,
      "num_mask_tokens": 4, "iou_head_depth": 3, "image_size": 128, "input_size": [96, 128],
      "original_size": [120, 160]})

torch.manual_seed(0)
enc = ImageEncoderViT(img_size=128, patch_size=16, embed_dim=32, depth=2, num_heads=2, mlp_ratio=4, out_chans=32,
                      norm_layer=functools.partial(torch.nn.LayerNorm, eps=1e-6), qkv_bias=True, use_rel_pos=True,
                      global_attn_indexes=[1], window_size=4, adapter_type="none")
with torch.no_grad():
    for name, p in enc.named_parameters():
        p.copy_(torch.randn_like(p) * 0.3 + (1.0 if ("norm" in name or "neck.1" in name or "neck.3" in name)
                                            and name.endswith("weight") else 0.0))
enc.eval()
pixels = torch.randn(2, 3, 128, 128)
with torch.no_grad():
    embeddings = enc(pixels.unsqueeze(2).permute(2, 1, 0, 3, 4))  # (1, 3, 2, S, S): two frames, adapters none
tensors = {"image_encoder." + k: v for k, v in enc.state_dict().items()}
tensors.update({"input.pixels": pixels, "output.image_embeddings": embeddings})
save(os.path.join(sys.argv[2], "sam_encoder_seed0.safetensors"), tensors,
     {"embed_dim": 32, "depth": 2, "num_heads": 2, "global_attn_indexes": [1], "image_size": 128, "patch_size": 16,
      "window_size": 4, "mlp_ratio": 4, "prompt_dim": 32, "layer_norm_eps": 1e-6, "adapter_type": "none"})

