// Generator of tests/data/annotate/tiny-llama3-golden.jsonl (our own code): what Hugging Face's tokenizers library
// (the Rust code behind transformers' fast tokenizers, through its Node binding from the npm registry) makes of
// tiny-llama3/tokenizer.json: for each test text, the ids it encodes to (no template tokens added) and the text
// those ids decode to. grove's byte-level tokenizer must give the same (tests/unit/byte_level_tokenizer_test.cpp).
//
//     (cd /tmp && npm install tokenizers@0.23.2)
//     NODE_PATH=/tmp/node_modules node tests/data/annotate/hf_tokenizers_golden.js \
//         tests/data/annotate/tiny-llama3/tokenizer.json > tests/data/annotate/tiny-llama3-golden.jsonl
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("tokenizers");

const file = process.argv[2];
const prompts = path.join(__dirname, "..", "..", "..", "share", "grove", "prompts");
const texts = [
  "a man cuts an onion",
  " leading space and trailing  ",
  "It's what they've said; I'LL go, she'd DONE it.",
  "12345 apples, 7 pears and 1000000 grapes",
  "line one\nline two\n\n\tindented\r\nwindows   three  spaces",
  "café naïve — “quoted” 東京 🙂 Ünïcödé",
  "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  "no<|eot_id|>space<|end_of_text|>",
  "{'CAPTION': '<p> a man </p> cuts <p> an onion </p>'}",
  "a person -> a man\nthe red bowl -> None",
  "",
  "   ",
  "\u0000\u0001 control \u007f",
  fs.readFileSync(path.join(prompts, "video-caption.txt"), "utf8"),
  fs.readFileSync(path.join(prompts, "label-phrases.txt"), "utf8"),
];

(async () => {
  const t = Tokenizer.fromFile(file);
  for (const text of texts) {
    const e = await t.encode(text, null, { addSpecialTokens: false });
    const ids = e.getIds();
    const decoded = await t.decode(ids, false);
    process.stdout.write(JSON.stringify({ text, ids, decoded }) + "\n");
  }
})();
