#!/usr/bin/python3
"""Generator of tests/data/annotate/tiny-llama/ and tiny-llama3/ (our own code): Llama chat models' Hugging Face
downloads in miniature, for grove-annotate's built-in LLM backend: config.json (LlamaForCausalLM: hidden 32, 2 layers,
4 heads, 2 key/value heads, vocabulary 512), model.safetensors with seeded random float32 weights under Hugging Face's
names, and a tokenizer. Their answers are gibberish; the tests check that the backend runs, is deterministic, and that
its unusable answers end as error records.

tiny-llama is Llama 2 shaped: the tiny test tokenizer (tests/data/text/tiny-tokenizer, SentencePiece style).
tiny-llama3 (--llama3) is Llama 3.1 shaped: "llama3" rope_scaling (over 64 original positions, so it changes every
angle past them), tied embeddings, generation_config.json's end tokens, and a byte-level BPE tokenizer.json with Llama
3's pre-tokenizer regex and special tokens, whose 240 merges are learnt here from the prompt files (the `regex` module
runs the pattern). hf_tokenizers_golden.js then records what Hugging Face's own tokenizers library makes of it.

    /usr/bin/python3 tests/data/annotate/make_tiny_llama.py tests/data/annotate/tiny-llama
    /usr/bin/python3 tests/data/annotate/make_tiny_llama.py --llama3 tests/data/annotate/tiny-llama3
"""
import json
import os
import random
import shutil
import struct
import sys

llama3 = "--llama3" in sys.argv[1:]
out = [a for a in sys.argv[1:] if a != "--llama3"][0]
os.makedirs(out, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
H, I, L, HEADS, KV, V = 32, 64, 2, 4, 2, 512
HD = H // HEADS
config = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": H, "intermediate_size": I,
    "num_hidden_layers": L, "num_attention_heads": HEADS, "num_key_value_heads": KV, "vocab_size": V,
    "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "bos_token_id": 1,
    "eos_token_id": 2, "tie_word_embeddings": False, "torch_dtype": "float32",
}
# Llama 3's special tokens, after 256 bytes and 240 merges; ids 502.. stay unused rows, as Llama 3's reserved ones.
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
            "<|reserved_special_token_0|>"]
MERGES = 240
if llama3:
    config.update({"bos_token_id": 256 + MERGES, "eos_token_id": 256 + MERGES + 1, "tie_word_embeddings": True,
                   "rope_theta": 500000.0, "max_position_embeddings": 4096,
                   "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 64}})
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 256 + MERGES, "eos_token_id": [256 + MERGES + 1, 256 + MERGES + 4]}, f, indent=2)
        f.write("\n")
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
tensors += [("model.norm.weight", [H], None)]
if not llama3:
    tensors.append(("lm_head.weight", [V, H], 0.5))
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

if not llama3:
    tok = os.path.join(here, "..", "text", "tiny-tokenizer")
    for name in ("tokenizer.json", "added_tokens.json"):
        shutil.copy(os.path.join(tok, name), os.path.join(out, name))
    sys.exit(0)

import regex  # noqa: E402  (python3-regex: the pattern needs Unicode classes and look-ahead)

PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|"
           r"\s+(?!\S)|\s+")
printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or b >= 174]
byte_char, extra = {}, 0
for b in range(256):
    if b in printable:
        byte_char[b] = chr(b)
    else:
        byte_char[b] = chr(256 + extra)
        extra += 1
corpus = ""
for name in ("video-caption.txt", "label-phrases.txt"):
    with open(os.path.join(here, "..", "..", "..", "share", "grove", "prompts", name), encoding="utf-8") as f:
        corpus += f.read()
words = {}
for w in regex.findall(PATTERN, corpus):
    key = tuple(byte_char[b] for b in w.encode("utf-8"))
    words[key] = words.get(key, 0) + 1
vocab = {byte_char[b]: b for b in range(256)}
merges = []
while len(merges) < MERGES:
    pairs = {}
    for w, n in words.items():
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] = pairs.get((a, b), 0) + n
    best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
    merges.append(best)
    vocab[best[0] + best[1]] = len(vocab)
    merged = {}
    for w, n in words.items():
        out_w, i = [], 0
        while i < len(w):
            if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                out_w.append(w[i] + w[i + 1])
                i += 2
            else:
                out_w.append(w[i])
                i += 1
        merged[tuple(out_w)] = merged.get(tuple(out_w), 0) + n
    words = merged
added = [{"id": 256 + MERGES + k, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
          "normalized": False, "special": True} for k, t in enumerate(SPECIALS)]
tokenizer = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": PATTERN}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
    "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
              "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
}
with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    f.write("\n")
