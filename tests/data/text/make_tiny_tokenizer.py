#!/usr/bin/python3
"""Generator of tests/data/text/tiny-tokenizer/ (our own code): a LLaMA-style tokenizer small enough for the tiny
model configurations (share/grove/configs/golden-tiny.json: vocabulary 512, <p> = 505 ... [DET] = 509).

    /usr/bin/python3 tests/data/text/make_tiny_tokenizer.py tests/data/text/tiny-tokenizer

Writes tokenizer.json in Hugging Face's BPE layout, as LLaMA's (ids 0-2 <unk> <s> </s>, 3-258 the byte-fallback
pieces <0x00>..<0xFF>, then single characters and merges learned by plain BPE over a small caption corpus, 500 in
all), and added_tokens.json with GLaMM's 7 and GROVE's 3 tokens at 500..509 (LLaMA's 32000..32009 shifted). The
corpus is built from templates below, so the file is reproducible byte for byte.
"""
import collections
import itertools
import json
import os
import sys

BASE = 500
ADDED = ["<im_start>", "<im_end>", "<bbox>", "<point>", "[SEG]", "<p>", "</p>", "<vid_start>", "<vid_end>", "[DET]"]

people = ["a man", "a woman", "the person", "a chef", "the boy", "a girl", "two people", "someone"]
verbs = ["cuts", "holds", "puts", "adds", "mixes", "pours", "places", "takes", "opens", "cleans", "shows", "uses"]
things = ["an onion", "a knife", "the pan", "a bowl", "some water", "the dough", "a tomato", "the oil", "a board",
          "the bread", "a spoon", "the meat", "a box", "the paper", "a brush", "the wheel"]
places = ["on the table", "into the pot", "in the kitchen", "with a fork", "on a plate", "at the sink"]
corpus = []
for i, (p, v, t, w) in enumerate(itertools.product(people, verbs, things, places)):
    if i % 7 == 0:
        corpus.append(f"{p} {v} {t} {w}.")
corpus += ["What is happening in the video? Describe it in detail, and tag the objects.",
           "A chat between a curious human and an artificial intelligence assistant.",
           "USER: ASSISTANT: Please give a grounded caption of the video, 0123456789."]

chars = sorted(set("".join(corpus).replace(" ", "▁")) | {"▁"} | set("abcdefghijklmnopqrstuvwxyz"))
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    vocab[f"<0x{b:02X}>"] = len(vocab)
for c in chars:
    vocab.setdefault(c, len(vocab))

words = collections.Counter()
for line in corpus:
    for w in line.split(" "):
        words[tuple("▁" + w)] += 1
merges = []
while len(vocab) < BASE:
    pairs = collections.Counter()
    for w, n in words.items():
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += n
    if not pairs:
        break
    best = max(pairs.items(), key=lambda kv: (kv[1], [-ord(ch) for ch in kv[0][0] + kv[0][1]]))[0]
    merged = best[0] + best[1]
    merges.append(f"{best[0]} {best[1]}")
    vocab.setdefault(merged, len(vocab))
    rewritten = collections.Counter()
    for w, n in words.items():
        out, i = [], 0
        while i < len(w):
            if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                out.append(merged)
                i += 2
            else:
                out.append(w[i])
                i += 1
        rewritten[tuple(out)] += n
    words = rewritten
assert len(vocab) == BASE, len(vocab)

tok = {
    "version": "1.0",
    "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True} for s, i in list(vocab.items())[:3]],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                      {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": None,
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "vocab": vocab, "merges": merges},
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(tok, f, ensure_ascii=False, indent=1)
    f.write("\n")
with open(os.path.join(out, "added_tokens.json"), "w", encoding="utf-8") as f:
    json.dump({s: BASE + i for i, s in enumerate(ADDED)}, f, indent=1)
    f.write("\n")
print(f"{len(vocab)} pieces, {len(merges)} merges, {len(ADDED)} added tokens -> {out}")
