// Greedy decoding as the original's generate(num_beams=1, do_sample=False) runs it (reference/model.md 4.6): from
// the assembled prompt embeddings, the argmax token each step until EOS or max_new tokens, with the KV cache (one
// position per step) or without it (the whole sequence recomputed each step; the same tokens, for tests). Also the
// final hidden states of every position fed, which the [DET] features are taken from.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "model/grove.h"

namespace grove::model {

struct Generated {
  std::vector<int64_t> ids;  // the new tokens, EOS included when it came
  at::Tensor hidden;         // (L + N - 1, hidden): the prompt's L positions, then every new token but the last
};

Generated generate_greedy(Grove& g, const at::Tensor& embeds, int64_t max_new, int64_t eos, bool use_cache = true);

// The same for a batch of prompts of one length (B, L, hidden), e.g. several clips' caption windows: each sequence
// stops at its own EOS (the batch runs until all have, or max_new); hidden is each one's own (L + N_b - 1, hidden).
// Batched products may round differently in the last bits than single ones.
std::vector<Generated> generate_greedy_batch(Grove& g, const at::Tensor& embeds, int64_t max_new, int64_t eos,
                                             bool use_cache = true);

}  // namespace grove::model
