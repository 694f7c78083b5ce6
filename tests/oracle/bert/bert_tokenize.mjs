// The oracle of the BERT tokenizer tests (tests/unit/bert_test.cpp): Hugging Face's own tokenizers library (Rust,
// through the @anush008/tokenizers Node binding) set up as bert-base-uncased's tokenizer.json sets it up —
// BertNormalizer(lowercase, strip_accents null, clean_text, handle_chinese_chars), BertPreTokenizer, WordPiece
// (##, [UNK], 100 characters), the [CLS] $A [SEP] template, the five special tokens as added tokens with
// normalized=false, truncation to max_length — over the tiny fixture's vocabulary (tests/data/bert/tiny/vocab.txt).
// Writes bert_cases.jsonl to OUT_DIR: {"text", "max_length", "ids"} for expected.json's strings and COUNT seeded
// random strings of wider Unicode than the fixture's.
//
//   node tests/oracle/bert/bert_tokenize.mjs OUT_DIR SOURCE_DIR [COUNT]   (scripts/check.sh runs it)
import fs from "node:fs";
import { Tokenizer } from "@anush008/tokenizers";

const [dir, src] = [process.argv[2], process.argv[3]];
const count = Number(process.argv[4] || 5000);
const vocabList = fs.readFileSync(`${src}/tests/data/bert/tiny/vocab.txt`, "utf8").split("\n");
if (vocabList[vocabList.length - 1] === "") vocabList.pop();
const vocab = {};
vocabList.forEach((t, i) => { vocab[t] = i; });
const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

const make = (maxLength) => Tokenizer.fromString(JSON.stringify({
  version: "1.0",
  truncation: { direction: "Right", max_length: maxLength, strategy: "LongestFirst", stride: 0 },
  padding: null,
  added_tokens: specials.map((s) => ({ id: vocab[s], content: s, single_word: false, lstrip: false, rstrip: false,
                                       normalized: false, special: true })),
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
             { SpecialToken: { id: "[SEP]", type_id: 0 } }],
    pair: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
           { SpecialToken: { id: "[SEP]", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } },
           { SpecialToken: { id: "[SEP]", type_id: 1 } }],
    special_tokens: {
      "[CLS]": { id: "[CLS]", ids: [vocab["[CLS]"]], tokens: ["[CLS]"] },
      "[SEP]": { id: "[SEP]", ids: [vocab["[SEP]"]], tokens: ["[SEP]"] },
    },
  },
  decoder: { type: "WordPiece", prefix: "##", cleanup: true },
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
}));

// A small seeded generator (mulberry32) so every run writes the same strings.
let seed = 424242;
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const pool = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ..."          ", ..."\t\n\r\x0b\x0c",
  ...".,;:!?'\"()[]{}-_/\\@#$%^&*+=<>|~`", ..."éèêëàâäïîôöùûüçñÅåØøÆæßÉÈÑŒœĳ", "\u0301", "\u0308", "\u0327", "\u20dd",
  ..."世界中文打漢字", "\u3400", "\uf900", "\u{20000}", ..."σςιυφοΣΑΒΓΊ", ..."Привет", ..."안녕", ..."ที่", ..."مرحبا", ..."नमस्ते",
  ..."ひらがなカタカナ", "\u00a0", "\u2003", "\u3000", "\u2028", "\u2029", "\u0085", "\u200b", "\u200d", "\u00ad", "\ufeff",
  "\x00", "\x01", "\x1f", "\x7f", "\ufffd", "\ue000", "—", "–", "…", "¿", "¡", "«", "»", "“", "”", "‘", "’", "、", "。",
  "€", "£", "¥", "©", "®", "°", "±", "×", "÷", "§", "¶", "•", "†", "🦙", "😀", "👍🏽", "ﬁ", "ﬂ", "İ", "ı", "ǅ", "Ǆ", "ẞ",
  "Ω", "Å", "K", "ª", "º", "²", "½", "Ⅻ", "①", "ｱ", "Ａ", "！", "，", "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]",
  "[cls]", "##", "the", "man", "onion", "cut", "play", "ing", "able", "un", "aff", "cafe", "wooden", "board",
];
const expected = JSON.parse(fs.readFileSync(`${src}/tests/data/bert/expected.json`, "utf8"));
const cases = expected.tokens.map((c) => ({ text: c.text, max_length: c.max_length || expected.max_length }));
for (let i = 0; i < count; ++i) {
  let s = "";
  const n = Math.floor(rand() * 30);
  for (let k = 0; k < n; ++k) s += pick(pool);
  cases.push({ text: s, max_length: rand() < 0.1 ? 8 : expected.max_length });
}
const tokenizers = {};
const out = [];
for (const c of cases) {
  tokenizers[c.max_length] ||= make(c.max_length);
  const e = await tokenizers[c.max_length].encode(c.text);
  out.push(JSON.stringify({ text: c.text, max_length: c.max_length, ids: Array.from(e.getIds()) }));
}
fs.writeFileSync(`${dir}/bert_cases.jsonl`, out.join("\n") + "\n");
console.log(`bert oracle: ${out.length} cases`);
