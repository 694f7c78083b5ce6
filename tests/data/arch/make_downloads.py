#!/usr/bin/python3
"""Generator of tests/data/arch/downloads/ (our own code): the files a user downloads, shrunk to the tiny.json
configuration, in the formats their publishers use, for the Bats tests of `grove-convert init / import-grove`.

    /usr/bin/python3 tests/data/arch/make_downloads.py tests/data/arch

Needs Debian 12's python3-torch. Writes:
  glamm/  GLaMM-GranD-Pretrained as Hugging Face saves it: pytorch_model-0000{1,2}-of-00002.bin (torch.save, bf16)
          + pytorch_model.bin.index.json; SAM still at its 1024 px grid (pos_embed 64x64, global rel_pos 127 rows),
          the vocabulary without GROVE's 3 tokens, the region encoder, no box heads; added_tokens.json with GLaMM's
          7 tokens; a placeholder tokenizer.model (copied, never parsed, by these conversions).
  clip/   model.safetensors with CLIPModel's names (vision_model.*, and a text tower GROVE ignores), F32.
  sam_vit_tiny.pth  SAM's own names (image_encoder.*, prompt_encoder.*, mask_decoder.*), torch.save, F32.
  grove_ckpt.bin    a released-style GROVE checkpoint: one flat state dict with every tensor at GROVE's shapes,
                    trainable parts F32 and frozen ones BF16, plus the unused region encoder.
"""
import collections
import json
import os
import struct
import sys

import torch

out = sys.argv[1] + "/downloads"
os.makedirs(out + "/glamm", exist_ok=True)
os.makedirs(out + "/clip", exist_ok=True)
torch.manual_seed(0)

V, H, I, KV = 64, 16, 32, 8          # vocab, llama hidden, intermediate, kv width (1 kv head of 8)
C, CI, CL = 16, 32, 4                 # clip hidden, intermediate, layers
S, SD, P, M = 16, 2, 16, 32           # sam embed, depth, prompt dim, decoder mlp
CLIP = "model.vision_tower.vision_tower.vision_model."
SAM = "model.grounding_encoder."


def r(*shape):
    return torch.randn(*shape)


def llama(vocab):
    d = collections.OrderedDict()
    d["model.embed_tokens.weight"] = r(vocab, H)
    p = "model.layers.0."
    for n, s in [("self_attn.q_proj", (H, H)), ("self_attn.k_proj", (KV, H)), ("self_attn.v_proj", (KV, H)),
                 ("self_attn.o_proj", (H, H)), ("mlp.gate_proj", (I, H)), ("mlp.up_proj", (I, H)),
                 ("mlp.down_proj", (H, I))]:
        d[p + n + ".weight"] = r(*s)
    d[p + "input_layernorm.weight"] = r(H)
    d[p + "post_attention_layernorm.weight"] = r(H)
    d["model.norm.weight"] = r(H)
    d["lm_head.weight"] = r(vocab, H)
    return d


def lin(d, name, i, o, bias=True):
    d[name + ".weight"] = r(o, i)
    if bias:
        d[name + ".bias"] = r(o)


def clip_vision(prefix):
    d = collections.OrderedDict()
    d[prefix + "embeddings.class_embedding"] = r(C)
    d[prefix + "embeddings.patch_embedding.weight"] = r(C, 3, 14, 14)
    d[prefix + "embeddings.position_embedding.weight"] = r(577, C)
    d[prefix + "pre_layrnorm.weight"], d[prefix + "pre_layrnorm.bias"] = r(C), r(C)
    for k in range(CL):
        l = prefix + "encoder.layers.%d." % k
        for proj in ["k_proj", "v_proj", "q_proj", "out_proj"]:
            lin(d, l + "self_attn." + proj, C, C)
        d[l + "layer_norm1.weight"], d[l + "layer_norm1.bias"] = r(C), r(C)
        lin(d, l + "mlp.fc1", C, CI)
        lin(d, l + "mlp.fc2", CI, C)
        d[l + "layer_norm2.weight"], d[l + "layer_norm2.bias"] = r(C), r(C)
    d[prefix + "post_layernorm.weight"], d[prefix + "post_layernorm.bias"] = r(C), r(C)
    return d


def sam(prefix, grid, box_heads):
    d = collections.OrderedDict()
    e = prefix + "image_encoder."
    d[e + "pos_embed"] = r(1, grid, grid, S)
    d[e + "patch_embed.proj.weight"], d[e + "patch_embed.proj.bias"] = r(S, 3, 16, 16), r(S)
    for b in range(SD):
        k = e + "blocks.%d." % b
        rel = 2 * grid - 1 if b == 1 else 27
        d[k + "norm1.weight"], d[k + "norm1.bias"] = r(S), r(S)
        lin(d, k + "attn.qkv", S, 3 * S)
        lin(d, k + "attn.proj", S, S)
        d[k + "attn.rel_pos_h"], d[k + "attn.rel_pos_w"] = r(rel, S // 2), r(rel, S // 2)
        d[k + "norm2.weight"], d[k + "norm2.bias"] = r(S), r(S)
        lin(d, k + "mlp.lin1", S, 4 * S)
        lin(d, k + "mlp.lin2", 4 * S, S)
    d[e + "neck.0.weight"] = r(P, S, 1, 1)
    d[e + "neck.1.weight"], d[e + "neck.1.bias"] = r(P), r(P)
    d[e + "neck.2.weight"] = r(P, P, 3, 3)
    d[e + "neck.3.weight"], d[e + "neck.3.bias"] = r(P), r(P)
    pe = prefix + "prompt_encoder."
    d[pe + "pe_layer.positional_encoding_gaussian_matrix"] = r(2, P // 2)
    for k in range(4):
        d[pe + "point_embeddings.%d.weight" % k] = r(1, P)
    d[pe + "not_a_point_embed.weight"] = r(1, P)
    d[pe + "mask_downscaling.0.weight"], d[pe + "mask_downscaling.0.bias"] = r(4, 1, 2, 2), r(4)
    d[pe + "mask_downscaling.1.weight"], d[pe + "mask_downscaling.1.bias"] = r(4), r(4)
    d[pe + "mask_downscaling.3.weight"], d[pe + "mask_downscaling.3.bias"] = r(16, 4, 2, 2), r(16)
    d[pe + "mask_downscaling.4.weight"], d[pe + "mask_downscaling.4.bias"] = r(16), r(16)
    d[pe + "mask_downscaling.6.weight"], d[pe + "mask_downscaling.6.bias"] = r(P, 16, 1, 1), r(P)
    d[pe + "no_mask_embed.weight"] = r(1, P)
    md = prefix + "mask_decoder."

    def attn(name, inner):
        lin(d, name + ".q_proj", P, inner)
        lin(d, name + ".k_proj", P, inner)
        lin(d, name + ".v_proj", P, inner)
        lin(d, name + ".out_proj", inner, P)

    for k in range(2):
        l = md + "transformer.layers.%d." % k
        attn(l + "self_attn", P)
        d[l + "norm1.weight"], d[l + "norm1.bias"] = r(P), r(P)
        attn(l + "cross_attn_token_to_image", P // 2)
        d[l + "norm2.weight"], d[l + "norm2.bias"] = r(P), r(P)
        lin(d, l + "mlp.lin1", P, M)
        lin(d, l + "mlp.lin2", M, P)
        d[l + "norm3.weight"], d[l + "norm3.bias"] = r(P), r(P)
        d[l + "norm4.weight"], d[l + "norm4.bias"] = r(P), r(P)
        attn(l + "cross_attn_image_to_token", P // 2)
    attn(md + "transformer.final_attn_token_to_image", P // 2)
    d[md + "transformer.norm_final_attn.weight"], d[md + "transformer.norm_final_attn.bias"] = r(P), r(P)
    d[md + "iou_token.weight"], d[md + "mask_tokens.weight"] = r(1, P), r(4, P)
    d[md + "output_upscaling.0.weight"], d[md + "output_upscaling.0.bias"] = r(P, P // 4, 2, 2), r(P // 4)
    d[md + "output_upscaling.1.weight"], d[md + "output_upscaling.1.bias"] = r(P // 4), r(P // 4)
    d[md + "output_upscaling.3.weight"], d[md + "output_upscaling.3.bias"] = r(P // 4, P // 8, 2, 2), r(P // 8)
    for k in range(4):
        h = md + "output_hypernetworks_mlps.%d.layers." % k
        lin(d, h + "0", P, P)
        lin(d, h + "1", P, P)
        lin(d, h + "2", P, P // 8)
    for k in range(3):
        lin(d, md + "iou_prediction_head.layers.%d" % k, P, 4 if k == 2 else P)
    if box_heads:
        lin(d, md + "bbox_prediction_head.0", P, P)
        lin(d, md + "bbox_prediction_head.2", P, 4)
        lin(d, md + "temporal_objectness_head", P, 1)
    return d


def heads(d):
    lin(d, "model.mm_projector.0", C, H)
    lin(d, "model.mm_projector.2", H, H)
    lin(d, "model.text_hidden_fcs.0.0", H, H)
    lin(d, "model.text_hidden_fcs.0.2", H, P)


def adapters(d, prefix, n, dim):
    for k in range(n):
        d[prefix + "adapters.%d.conv3d.weight" % k] = r(dim, dim, 3, 3, 3)
        d[prefix + "adapters.%d.conv3d.bias" % k] = r(dim)
        d[prefix + "adapters.%d.alpha" % k] = torch.zeros(1) if "vision" in prefix else torch.full((1,), 0.3)


def region(d):
    d["model.region_encoder.roi_align.updims.weight"] = r(H, 8)
    d["model.region_encoder.roi_align.updims.bias"] = r(H)


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# GLaMM: two .bin shards and their index, bf16.
glamm = llama(V - 3)
glamm.update(sam(SAM, 64, box_heads=False))
heads(glamm)
region(glamm)
names = list(glamm)
half = len(names) // 2
index = {"metadata": {"total_size": 0}, "weight_map": {}}
for i, part in enumerate([names[:half], names[half:]]):
    fname = "pytorch_model-%05d-of-00002.bin" % (i + 1)
    torch.save(collections.OrderedDict((n, glamm[n].to(torch.bfloat16)) for n in part), out + "/glamm/" + fname)
    for n in part:
        index["weight_map"][n] = fname
        index["metadata"]["total_size"] += glamm[n].numel() * 2
with open(out + "/glamm/pytorch_model.bin.index.json", "w") as f:
    json.dump(index, f, indent=2)
with open(out + "/glamm/added_tokens.json", "w") as f:
    json.dump({"<im_start>": 54, "<im_end>": 55, "<bbox>": 56, "<point>": 57, "[SEG]": 58, "<p>": 59, "</p>": 60}, f)
with open(out + "/glamm/tokenizer.model", "w") as f:
    f.write("placeholder: these tests copy the tokenizer without parsing it\n")

# CLIP: Hugging Face CLIPModel names.
clipd = clip_vision("vision_model.")
clipd["text_model.embeddings.token_embedding.weight"] = r(10, 8)
clipd["logit_scale"] = torch.ones(())
save_safetensors(out + "/clip/model.safetensors", clipd, {"format": "pt"})

# SAM's own checkpoint.
torch.save(sam("", 64, box_heads=False), out + "/sam_vit_tiny.pth")

# A released-style GROVE checkpoint.
grove = llama(V)
grove.update(clip_vision(CLIP))
adapters(grove, CLIP + "encoder.", CL // 3, C)
grove.update(sam(SAM, 32, box_heads=True))
adapters(grove, SAM + "image_encoder.", 1, S)
heads(grove)
region(grove)
trained = ("embed_tokens", "lm_head", "mm_projector", "text_hidden_fcs", "adapters", "mask_decoder", "pos_embed")
torch.save(collections.OrderedDict((n, t if any(k in n for k in trained) else t.to(torch.bfloat16))
                                   for n, t in grove.items()), out + "/grove_ckpt.bin")
