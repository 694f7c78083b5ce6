// See generate.h.
#include "model/generate.h"

#include <torch/torch.h>

namespace grove::model {

std::vector<Generated> generate_greedy_batch(Grove& g, const at::Tensor& embeds, int64_t max_new, int64_t eos,
                                             bool use_cache) {
  torch::NoGradGuard no_grad;
  const int64_t b = embeds.size(0), l = embeds.size(1);
  std::vector<Generated> out(b);
  std::vector<bool> running(b, true);
  std::vector<at::Tensor> hidden;  // per step: (B, positions, hidden)
  KvCache cache;
  at::Tensor all = embeds;  // without the cache: the whole sequence so far
  at::Tensor step = embeds;
  const auto& table = g->model->embed_tokens->weight;
  for (int64_t n = 0; n < max_new; ++n) {
    at::Tensor h;
    if (use_cache) {
      h = g->decode(step, &cache);
    } else {
      at::Tensor full = g->decode(all);
      h = n == 0 ? full : full.narrow(1, full.size(1) - 1, 1);
    }
    hidden.push_back(h);
    at::Tensor next = g->logits(h.select(1, h.size(1) - 1)).argmax(-1).cpu();
    bool any = false;
    for (int64_t i = 0; i < b; ++i) {
      if (!running[i]) continue;
      const int64_t t = next[i].item<int64_t>();
      out[i].ids.push_back(t);
      running[i] = t != eos && n + 1 < max_new;
      any = any || running[i];
    }
    if (!any) break;
    step = table.index_select(0, next.to(table.device())).unsqueeze(1);
    if (!use_cache) all = torch::cat({all, step}, 1);
  }
  at::Tensor hs = torch::cat(hidden, 1);  // (B, L + steps - 1, hidden)
  for (int64_t i = 0; i < b; ++i)
    out[i].hidden = hs[i].narrow(0, 0, l + static_cast<int64_t>(out[i].ids.size()) - 1);
  return out;
}

Generated generate_greedy(Grove& g, const at::Tensor& embeds, int64_t max_new, int64_t eos, bool use_cache) {
  return std::move(generate_greedy_batch(g, embeds, max_new, eos, use_cache).at(0));
}

}  // namespace grove::model
