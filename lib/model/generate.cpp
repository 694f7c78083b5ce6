// See generate.h.
#include "model/generate.h"

#include <torch/torch.h>

namespace grove::model {

Generated generate_greedy(Grove& g, const at::Tensor& embeds, int64_t max_new, int64_t eos, bool use_cache) {
  torch::NoGradGuard no_grad;
  Generated out;
  std::vector<at::Tensor> hidden;
  KvCache cache;
  at::Tensor all = embeds;  // without the cache: the whole sequence so far
  at::Tensor step = embeds;
  const auto& table = g->model->embed_tokens->weight;
  for (int64_t n = 0; n < max_new; ++n) {
    at::Tensor h;
    if (use_cache) {
      h = g->decode(step, &cache);
      hidden.push_back(h[0]);
    } else {
      at::Tensor full = g->decode(all);
      h = full.narrow(1, n == 0 ? 0 : full.size(1) - 1, n == 0 ? full.size(1) : 1);
      hidden.push_back(h[0]);
    }
    const int64_t next = g->logits(h.select(1, h.size(1) - 1)).argmax(-1).item<int64_t>();
    out.ids.push_back(next);
    if (next == eos || n + 1 == max_new) break;
    step = table.index_select(0, torch::tensor({next}, torch::kLong).to(table.device())).unsqueeze(0);
    if (!use_cache) all = torch::cat({all, step}, 1);
  }
  out.hidden = torch::cat(hidden, 0);
  return out;
}

}  // namespace grove::model
