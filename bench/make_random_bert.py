#!/usr/bin/env python3
# A random BERT with bert-base-uncased's sizes (12 layers, 768 wide, 30522 pieces) in a Hugging Face folder, for the
# speed of grove-embed when no real download is at hand (bench/grounding.sh, GROVE_BENCH_BERT_BASE=1): the same
# work per phrase as the real model, not its values. The vocabulary is synthetic (specials at BERT's ids, letters,
# digits, punctuation, the benchmark's words, then [unused] filler), so phrases tokenize into about as many pieces
# as real words would. numpy only; writes about 440 MB.
import json
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
H, L, I, V, P = 768, 12, 3072, 30522, 512
config = {"model_type": "bert", "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 12,
          "intermediate_size": I, "max_position_embeddings": P, "type_vocab_size": 2, "vocab_size": V,
          "hidden_act": "gelu", "layer_norm_eps": 1e-12}
with open(f"{out}/config.json", "w") as f:
    json.dump(config, f)
vocab = [f"[unused{i}]" for i in range(V)]
vocab[0], vocab[100], vocab[101], vocab[102], vocab[103] = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
words = ("a the his her another some two other red small wooden sharp large white metal hot green empty round "
         "chopped plastic dirty left right black glass fresh sliced person knife onion bowl pan spoon hand board pot "
         "sauce dough table man woman cup plate tomato carrot bottle lid towel sink oven egg cheese bread on in of "
         "water with handle near stove").split()
extra = [chr(c) for c in range(33, 127) if not chr(c).isupper()] + ["##" + chr(c) for c in range(97, 123)] + words
for i, t in enumerate(extra):
    vocab[1000 + i] = t
with open(f"{out}/vocab.txt", "w") as f:
    f.write("".join(t + "\n" for t in vocab))
rng = np.random.default_rng(0)
tensors = {}
def rnd(*shape):
    return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype("<f4")
tensors["embeddings.word_embeddings.weight"] = rnd(V, H)
tensors["embeddings.position_embeddings.weight"] = rnd(P, H)
tensors["embeddings.token_type_embeddings.weight"] = rnd(2, H)
ones, zeros = np.ones(H, "<f4"), np.zeros(H, "<f4")
tensors["embeddings.LayerNorm.weight"], tensors["embeddings.LayerNorm.bias"] = ones, zeros
for l in range(L):
    p = f"encoder.layer.{l}."
    for n in ("query", "key", "value"):
        tensors[p + f"attention.self.{n}.weight"], tensors[p + f"attention.self.{n}.bias"] = rnd(H, H), zeros
    tensors[p + "attention.output.dense.weight"], tensors[p + "attention.output.dense.bias"] = rnd(H, H), zeros
    tensors[p + "attention.output.LayerNorm.weight"], tensors[p + "attention.output.LayerNorm.bias"] = ones, zeros
    tensors[p + "intermediate.dense.weight"], tensors[p + "intermediate.dense.bias"] = rnd(I, H), np.zeros(I, "<f4")
    tensors[p + "output.dense.weight"], tensors[p + "output.dense.bias"] = rnd(H, I), zeros
    tensors[p + "output.LayerNorm.weight"], tensors[p + "output.LayerNorm.bias"] = ones, zeros
header, offset = {}, 0
for name, t in tensors.items():
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + t.nbytes]}
    offset += t.nbytes
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(f"{out}/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for t in tensors.values():
        f.write(t.tobytes())
