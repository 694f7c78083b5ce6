#!/usr/bin/python3
# Writes a tiny random BERT in the layout of a Hugging Face download, and the values grove must reproduce from it,
# with Debian's python3 and python3-torch (transformers is not needed, nor installable; this script is run once by
# hand and its outputs are committed, so no test needs Python):
#   tiny/       config.json, vocab.txt, tokenizer_config.json, model.safetensors: BertModel's own names (no
#               prefix), float32, written by hand in the safetensors format
#   tiny-bin/   config.json, vocab.txt, pytorch_model.bin (torch.save): the same weights as BertForPreTraining holds
#               them, under "bert.", LayerNorm weights under their old names gamma/beta, plus a pooler, the
#               position_ids buffer and cls.* heads that a BertModel does not use
#   expected.json
#     tokens:     the ids of varied strings (accents, CJK, punctuation, control and format characters, special
#                 tokens, over-long words, truncation) and of seeded random strings, by `tokenize` below: a
#                 transcription of transformers' BasicTokenizer + WordpieceTokenizer (4.46), with the fast
#                 tokenizer's one difference applied (lower-casing code point by code point: no final sigma)
#     embeddings: eval_iground.py's phrase embedding of each phrase (mean over every token of last_hidden_state,
#                 one phrase per forward, no padding, no mask), by `bert_forward` below: BertModel's forward
#                 written out in plain torch operations, in float64
#     cosines:    cosine similarities of phrase pairs, among them the pairs tests/bats/grounding.bats relies on:
#                 a dissimilar pair (< 0.35) and a similar pair of different strings (> 0.65)
# Run from this directory: /usr/bin/python3 make_tiny_bert.py
import collections
import json
import math
import os
import random
import struct
import unicodedata

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- vocabulary -------------------------------------------------------------------------------------------------
words = ["the", "a", "an", "man", "men", "woman", "person", "red", "ball", "blue", "car", "onion", "cuts", "chef",
         "soup", "dog", "knife", "board", "wooden", "hello", "world", "un", "##aff", "##able", "cafe", "naive",
         "resume", "angstrom", "play", "##er", "##ing", "##ed", "##s", "cut", "##ting", "don", "stop", "go",
         "istanbul", "llama", "mixed", "text", "null", "repl", "soft", "tab", "new", "line", "vt", "ff", "nel"]
punct = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["—", "…", "¿", "«", "»", "、", "。"]
chars = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
cjk = ["世", "界", "中", "文", "打"]
greek = ["σ", "ς", "ι", "υ", "φ", "ο"]
vocab = ["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
for t in punct + chars + ["##" + c for c in chars] + cjk + greek + ["##" + g for g in greek] + words:
    if t not in vocab:
        vocab.append(t)
VOCAB = {t: i for i, t in enumerate(vocab)}
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# ---- the tokenizer: transformers' BasicTokenizer + WordpieceTokenizer ------------------------------------------
def _is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp):
    return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF)
            or (0x2A700 <= cp <= 0x2B73F) or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF)
            or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))


def _clean_text(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    return "".join(out)


def _tokenize_chinese_chars(text):
    return "".join(f" {ch} " if _is_chinese_char(ord(ch)) else ch for ch in text)


def _run_strip_accents(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def _lower(text):
    # The fast tokenizer (what AutoTokenizer loads for bert-base-uncased) maps each code point on its own; str.lower
    # of a whole word would give a final sigma.
    return "".join(ch.lower() for ch in text)


def _run_split_on_punc(text):
    out, start_new = [], True
    for ch in text:
        if _is_punctuation(ch):
            out.append([ch])
            start_new = True
        else:
            if start_new:
                out.append([])
            start_new = False
            out[-1].append(ch)
    return ["".join(x) for x in out]


def basic_tokenize(text):
    text = _clean_text(text)
    text = _tokenize_chinese_chars(text)
    text = unicodedata.normalize("NFC", text)
    out = []
    for token in text.split():
        token = _run_strip_accents(_lower(token))
        out.extend(_run_split_on_punc(token))
    return [t for t in " ".join(out).split()]


def wordpiece(token, max_chars=100):
    chars = list(token)
    if len(chars) > max_chars:
        return [VOCAB["[UNK]"]]
    out, start = [], 0
    while start < len(chars):
        end, cur = len(chars), None
        while start < end:
            sub = "".join(chars[start:end])
            if start > 0:
                sub = "##" + sub
            if sub in VOCAB:
                cur = VOCAB[sub]
                break
            end -= 1
        if cur is None:
            return [VOCAB["[UNK]"]]
        out.append(cur)
        start = end
    return out


def split_specials(text):
    """The added-token split: special tokens written in the text, matched exactly, leftmost (longest) first."""
    parts, pos = [], 0
    while True:
        hits = [(text.find(s, pos), -len(s), s) for s in SPECIALS if text.find(s, pos) >= 0]
        if not hits:
            parts.append((False, text[pos:]))
            return parts
        at, _, s = min(hits)
        parts.append((False, text[pos:at]))
        parts.append((True, s))
        pos = at + len(s)


def tokenize(text, max_length):
    ids = []
    for special, part in split_specials(text):
        if special:
            ids.append(VOCAB[part])
        else:
            for w in basic_tokenize(part):
                ids.extend(wordpiece(w))
    ids = ids[: max_length - 2]  # truncation=True, max_length: room for [CLS] and [SEP]
    return [VOCAB["[CLS]"]] + ids + [VOCAB["[SEP]"]]


# ---- the model --------------------------------------------------------------------------------------------------
config = {
    "architectures": ["BertForMaskedLM"], "model_type": "bert", "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 32, "initializer_range": 0.02,
    "intermediate_size": 64, "layer_norm_eps": 1e-12, "max_position_embeddings": 64, "num_attention_heads": 4,
    "num_hidden_layers": 2, "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2,
    "use_cache": True, "vocab_size": len(vocab),
}
MAX_LENGTH = min(512, config["max_position_embeddings"])


def make_weights(seed):
    g = torch.Generator().manual_seed(seed)
    H, I, V = config["hidden_size"], config["intermediate_size"], config["vocab_size"]

    def rnd(*shape, std):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std).float()

    sd = collections.OrderedDict()
    sd["embeddings.word_embeddings.weight"] = rnd(V, H, std=1.0)
    sd["embeddings.position_embeddings.weight"] = rnd(config["max_position_embeddings"], H, std=0.5)
    sd["embeddings.token_type_embeddings.weight"] = rnd(config["type_vocab_size"], H, std=0.5)
    sd["embeddings.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
    sd["embeddings.LayerNorm.bias"] = rnd(H, std=0.1)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            sd[p + f"attention.self.{n}.weight"] = rnd(H, H, std=0.4)
            sd[p + f"attention.self.{n}.bias"] = rnd(H, std=0.1)
        sd[p + "attention.output.dense.weight"] = rnd(H, H, std=0.2)
        sd[p + "attention.output.dense.bias"] = rnd(H, std=0.1)
        sd[p + "attention.output.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
        sd[p + "attention.output.LayerNorm.bias"] = rnd(H, std=0.1)
        sd[p + "intermediate.dense.weight"] = rnd(I, H, std=0.3)
        sd[p + "intermediate.dense.bias"] = rnd(I, std=0.1)
        sd[p + "output.dense.weight"] = rnd(H, I, std=0.15)
        sd[p + "output.dense.bias"] = rnd(H, std=0.1)
        sd[p + "output.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
        sd[p + "output.LayerNorm.bias"] = rnd(H, std=0.1)
    return sd


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def linear(x, sd, name):
    return x @ sd[name + ".weight"].T + sd[name + ".bias"]


def bert_forward(sd, ids):
    """BertModel(input_ids=[ids]).last_hidden_state[0]: token type 0, absolute positions, no mask, in float64."""
    sd = {k: v.double() for k, v in sd.items()}
    H, nh, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    hd, L = H // nh, len(ids)
    x = (sd["embeddings.word_embeddings.weight"][torch.tensor(ids)] + sd["embeddings.token_type_embeddings.weight"][0]
         + sd["embeddings.position_embeddings.weight"][:L])
    x = layer_norm(x, sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (linear(x, sd, p + f"attention.self.{n}").view(L, nh, hd).transpose(0, 1) for n in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
        ctx = (probs @ v).transpose(0, 1).reshape(L, H)
        a = layer_norm(linear(ctx, sd, p + "attention.output.dense") + x, sd[p + "attention.output.LayerNorm.weight"],
                       sd[p + "attention.output.LayerNorm.bias"], eps)
        h = linear(a, sd, p + "intermediate.dense")
        h = 0.5 * h * (1 + torch.erf(h / math.sqrt(2)))  # GELU, erf form
        x = layer_norm(linear(h, sd, p + "output.dense") + a, sd[p + "output.LayerNorm.weight"],
                       sd[p + "output.LayerNorm.bias"], eps)
    return x


def embed(sd, text):
    return bert_forward(sd, tokenize(text, MAX_LENGTH)).mean(0)  # over every token, [CLS] and [SEP] included


def cosine(a, b):
    return float(a @ b / (a.norm() * b.norm()))


# ---- files ------------------------------------------------------------------------------------------------------
def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_folder(name, extra):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in vocab))
    extra(d)


# Phrases embedded (the Bats case's among them) and the pairs whose cosines tests check.
DISSIMILAR = ("a red ball", "a blue car")
SIMILAR = ("the wooden board", "the wooden boards")
phrases = ["the man", "A person", "a person", "an onion", "the soup", "a dog", "Hello, WORLD!", "naïve café",
           "un-affable", "中文 text", "", "[MASK] dog", "the " + "wooden " * 40 + "board",
           DISSIMILAR[0], DISSIMILAR[1], SIMILAR[0], SIMILAR[1]]

fixed_texts = [
    "", "The man cuts an onion.", "  Hello,   WORLD!! ", "naïve café résumé Ångström", "un-affable unaffable",
    "打世界 mixed中文text", "tab\tnew\nline\r\x0bvt\x0cff\x85nel", "\x00null\ufffdrepl\u200bzw\u00adsoft",
    "[CLS] a [MASK] b[SEP]c [cls] [MASK][MASK]", "don't stop—go… ¿qué? «ok» 、。", "ÀÉÎÕÜ ß İstanbul ΣΊΣΥΦΟΣ ﬁ",
    "x" * 100, "x" * 101, "$100 + 5% = ~€", "🦙 llama", "안녕 ที่ Привет", "İ", "a\u2028b\u3000c\u00a0d\u2003e",
    "playing played player plays cutting", "the " * 80, "A PERSON", "a\u0301b\u0327c", "ǅ ǈ",
]
pool = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + [" "] * 12 + list("\t\n\r\x0b\x0c")
        + list(".,;:!?'\"()[]{}-_/\\@#$%^&*+=<>|~`") + list("éèêëàâäïîôöùûüçñÅåØøÆæßÉÈ") + ["\u0301", "\u0308", "\u0327"]
        + cjk + list("中世界漢字") + greek + list("ΣΑΒΓ") + list("Привет") + list("안녕") + list("ที่")
        + ["\u00a0", "\u2003", "\u3000", "\u2028", "\u200b", "\u00ad", "\ufeff", "\x00", "\x7f", "\ufffd", "—", "…", "¿",
           "«", "»", "€", "🦙", "ﬁ", "İ", "ǅ"] + ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "##"])
for w in ("the", "man", "onion", "cut", "play", "ing", "able", "un", "aff", "cafe"):
    pool += [w] * 3


def main():
    sd = make_weights(6)  # the first seed whose cosines give the Bats case its margins (see the asserts)

    def write_tiny(d):
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"do_lower_case": True, "model_max_length": 512}, f)
            f.write("\n")
        write_safetensors(os.path.join(d, "model.safetensors"), sd)

    def write_bin(d):
        full = collections.OrderedDict()
        for k, v in sd.items():
            k = k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
            full["bert." + k] = v.clone()
        g = torch.Generator().manual_seed(2)
        H = config["hidden_size"]
        full["bert.embeddings.position_ids"] = torch.arange(config["max_position_embeddings"]).unsqueeze(0)
        full["bert.pooler.dense.weight"] = torch.randn(H, H, generator=g)
        full["bert.pooler.dense.bias"] = torch.randn(H, generator=g)
        full["cls.predictions.bias"] = torch.zeros(config["vocab_size"])
        full["cls.predictions.transform.dense.weight"] = torch.randn(H, H, generator=g)
        full["cls.predictions.transform.LayerNorm.gamma"] = torch.ones(H)
        torch.save(full, os.path.join(d, "pytorch_model.bin"))

    write_folder("tiny", write_tiny)
    write_folder("tiny-bin", write_bin)

    rng = random.Random(20261124)
    texts = list(fixed_texts)
    for _ in range(400):
        texts.append("".join(rng.choice(pool) for _ in range(rng.randint(0, 24))))
    tokens = [{"text": t, "ids": tokenize(t, MAX_LENGTH)} for t in texts]
    tokens.append({"text": "the " * 80, "max_length": 512, "ids": tokenize("the " * 80, 512)})

    embs = {p: embed(sd, p) for p in phrases}
    pairs = [DISSIMILAR, SIMILAR, ("A person", "a person"), ("the man", "the soup"), ("an onion", "a dog"),
             ("the man", "a person")]
    cosines = [{"a": a, "b": b, "cosine": cosine(embs[a], embs[b])} for a, b in pairs]
    assert cosines[0]["cosine"] < 0.35, cosines[0]
    assert cosines[1]["cosine"] > 0.65, cosines[1]
    expected = {
        "max_length": MAX_LENGTH,
        "tokens": tokens,
        "embeddings": [{"text": p, "ids": tokenize(p, MAX_LENGTH), "embedding": [float(x) for x in embs[p]]} for p in phrases],
        "cosines": cosines,
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=True, indent=None)
        f.write("\n")
    for c in cosines:
        print(f"cosine({c['a']!r}, {c['b']!r}) = {c['cosine']:.4f}")


if __name__ == "__main__":
    main()
