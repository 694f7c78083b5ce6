// The embedded default's tokenizer: a LLaMA-style BPE (tokenizer.json with byte fallback, as
// tests/data/text/tiny-tokenizer) learned over grove-synth's captions and GROVE's prompts, so that every word they
// use is one piece. A general-purpose tokenizer spells the synthetic captions nearly letter by letter (70 and more
// tokens, past the 64 that generation allows); with this one a caption takes 20 to 40.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace grove::synth {

// GLaMM's seven and GROVE's three added tokens, in the order of their ids (LLaMA's 32000..32009, here base..).
extern const std::vector<std::string> kAddedTokens;

struct TokenizerFiles {
  std::string tokenizer_json;      // Hugging Face's BPE layout: <unk> <s> </s>, <0x00>..<0xFF>, characters, merges
  std::string added_tokens_json;   // {"<im_start>": base, ..., "[DET]": base + 9}
  int64_t base = 0;                // pieces before the added tokens (a model's vocab_size must be >= base + 10)
};

// Learns the merges over the captions of the first SCENES training clips of a dataset drawn with SEED (every word
// grove-synth writes shows up within a few hundred) and over the llava_v1 prompt with each training instruction.
// Deterministic: the same files on every machine.
TokenizerFiles make_tokenizer(uint64_t seed = 1, size_t scenes = 2000);

}  // namespace grove::synth
