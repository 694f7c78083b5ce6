#!/usr/bin/python3
"""Generator of tests/data/annotate/tiny-llama/ (our own code): a Llama chat model's Hugging Face download in
miniature, for grove-annotate's built-in LLM backend: config.json (LlamaForCausalLM: hidden 32, 2 layers, 4 heads,
2 key/value heads, vocabulary 512), model.safetensors with seeded random float32 weights under Hugging Face's names,
and the tiny test tokenizer (tests/data/text/tiny-tokenizer). Its answers are gibberish; the tests check that the
backend runs, is deterministic, and that its unusable answers end as error records.

    /usr/bin/python3 tests/data/annotate/make_tiny_llama.py tests/data/annotate/tiny-llama
"""
import json
import os
import random
import shutil
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
H, I, L, HEADS, KV, V = 32, 64, 2, 4, 2, 512
HD = H // HEADS
config = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": H, "intermediate_size": I,
    "num_hidden_layers": L, "num_attention_heads": HEADS, "num_key_value_heads": KV, "vocab_size": V,
    "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "bos_token_id": 1,
    "eos_token_id": 2, "tie_word_embeddings": False, "torch_dtype": "float32",
}
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")

rng = random.Random(7)
tensors = [("model.embed_tokens.weight", [V, H], 0.5)]
for i in range(L):
    p = f"model.layers.{i}."
    tensors += [(p + "self_attn.q_proj.weight", [H, H], 0.2), (p + "self_attn.k_proj.weight", [KV * HD, H], 0.2),
                (p + "self_attn.v_proj.weight", [KV * HD, H], 0.2), (p + "self_attn.o_proj.weight", [H, H], 0.2),
                (p + "mlp.gate_proj.weight", [I, H], 0.2), (p + "mlp.up_proj.weight", [I, H], 0.2),
                (p + "mlp.down_proj.weight", [H, I], 0.2), (p + "input_layernorm.weight", [H], None),
                (p + "post_attention_layernorm.weight", [H], None)]
tensors += [("model.norm.weight", [H], None), ("lm_head.weight", [V, H], 0.5)]
header, blobs, offset = {}, [], 0
for name, shape, scale in tensors:
    n = 1
    for d in shape:
        n *= d
    values = [1.0] * n if scale is None else [rng.gauss(0.0, scale) for _ in range(n)]
    data = struct.pack(f"<{n}f", *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))

tok = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text", "tiny-tokenizer")
for name in ("tokenizer.json", "added_tokens.json"):
    shutil.copy(os.path.join(tok, name), os.path.join(out, name))
