#include "model/llama.h"

#include <torch/torch.h>

#include <cmath>

namespace grove::model {

RmsNormImpl::RmsNormImpl(int64_t dim, double e) : eps(e) { weight = register_parameter("weight", nn::make_parameter({dim}, nn::Init::Ones)); }

at::Tensor RmsNormImpl::forward(const at::Tensor& x) {
  at::Tensor h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, true) + eps);
  return weight * h.to(x.scalar_type());
}

at::Tensor rope_inv_freq(int64_t head_dim, double theta, const arch::RopeScaling& scaling, c10::Device device) {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  at::Tensor inv_freq = 1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, f32) / static_cast<double>(head_dim));
  if (scaling.type == "linear") return inv_freq / scaling.factor;
  if (scaling.type != "llama3") return inv_freq;
  // Llama 3.1's scaling: long wavelengths (beyond original / low_freq_factor) are slowed by factor, short ones
  // (below original / high_freq_factor) kept, and the band between blended linearly in original / wavelength.
  const double old = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_wavelen = old / scaling.low_freq_factor, high_wavelen = old / scaling.high_freq_factor;
  at::Tensor wavelen = 2.0 * M_PI / inv_freq;
  at::Tensor scaled = torch::where(wavelen > low_wavelen, inv_freq / scaling.factor, inv_freq);
  at::Tensor smooth = (old / wavelen - scaling.low_freq_factor) / (scaling.high_freq_factor - scaling.low_freq_factor);
  at::Tensor blended = (1.0 - smooth) * scaled / scaling.factor + smooth * scaled;
  at::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, blended, scaled);
}

std::pair<at::Tensor, at::Tensor> rope_tables(const at::Tensor& positions, int64_t head_dim, double theta,
                                              c10::ScalarType dtype, const arch::RopeScaling& scaling) {
  at::Tensor inv_freq = rope_inv_freq(head_dim, theta, scaling, positions.device());
  at::Tensor freqs = torch::outer(positions.to(torch::kFloat32), inv_freq);
  at::Tensor emb = torch::cat({freqs, freqs}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  at::Tensor rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

LlamaAttentionImpl::LlamaAttentionImpl(const arch::LlamaConfig& c)
    : heads(c.num_attention_heads), kv_heads(c.num_key_value_heads), head_dim(c.head_dim()) {
  auto linear = [](int64_t in, int64_t out) { return nn::Linear(in, out, false); };
  q_proj = register_module("q_proj", linear(c.hidden_size, heads * head_dim));
  k_proj = register_module("k_proj", linear(c.hidden_size, kv_heads * head_dim));
  v_proj = register_module("v_proj", linear(c.hidden_size, kv_heads * head_dim));
  o_proj = register_module("o_proj", linear(heads * head_dim, c.hidden_size));
}

namespace {

// Appends (B, kv_heads, L, D) to the layer's buffers (doubling them when full) and returns every position so far.
std::pair<at::Tensor, at::Tensor> append(KvCache& cache, size_t layer, const at::Tensor& k, const at::Tensor& v) {
  if (cache.keys.size() <= layer) cache.keys.resize(layer + 1), cache.values.resize(layer + 1);
  at::Tensor& kb = cache.keys[layer];
  at::Tensor& vb = cache.values[layer];
  const int64_t need = cache.length + k.size(2);
  if (!kb.defined() || kb.size(2) < need) {
    const int64_t capacity = std::max<int64_t>(need, kb.defined() ? 2 * kb.size(2) : 0);
    at::Tensor nk = torch::empty({k.size(0), k.size(1), capacity, k.size(3)}, k.options());
    at::Tensor nv = torch::empty_like(nk);
    if (cache.length > 0) {
      nk.narrow(2, 0, cache.length).copy_(kb.narrow(2, 0, cache.length));
      nv.narrow(2, 0, cache.length).copy_(vb.narrow(2, 0, cache.length));
    }
    kb = nk, vb = nv;
  }
  kb.narrow(2, cache.length, k.size(2)).copy_(k);
  vb.narrow(2, cache.length, v.size(2)).copy_(v);
  return {kb.narrow(2, 0, need), vb.narrow(2, 0, need)};
}

}  // namespace

at::Tensor LlamaAttentionImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                       KvCache* cache, size_t layer) {
  const int64_t b = x.size(0), l = x.size(1);
  auto split = [&](const at::Tensor& t, int64_t h) { return t.view({b, l, h, head_dim}).transpose(1, 2); };
  at::Tensor q = apply_rope(split(q_proj->forward(x), heads), cos, sin);
  at::Tensor k = apply_rope(split(k_proj->forward(x), kv_heads), cos, sin);
  at::Tensor v = split(v_proj->forward(x), kv_heads);
  const int64_t past = cache ? cache->length : 0;
  if (cache) std::tie(k, v) = append(*cache, layer, k, v);
  if (kv_heads != heads) {  // grouped key/value heads: each serves heads / kv_heads query heads
    k = k.repeat_interleave(heads / kv_heads, 1);
    v = v.repeat_interleave(heads / kv_heads, 1);
  }
  at::Tensor scores = torch::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(head_dim));
  if (l > 1) {  // query i (position past + i) sees keys 0 .. past + i
    at::Tensor mask = torch::ones({l, past + l}, torch::TensorOptions().dtype(torch::kBool).device(x.device()))
                          .triu(past + 1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  at::Tensor attn = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  at::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({b, l, heads * head_dim});
  return o_proj->forward(out);
}

LlamaMlpImpl::LlamaMlpImpl(const arch::LlamaConfig& c) {
  auto linear = [](int64_t in, int64_t out) { return nn::Linear(in, out, false); };
  gate_proj = register_module("gate_proj", linear(c.hidden_size, c.intermediate_size));
  up_proj = register_module("up_proj", linear(c.hidden_size, c.intermediate_size));
  down_proj = register_module("down_proj", linear(c.intermediate_size, c.hidden_size));
}

at::Tensor LlamaMlpImpl::forward(const at::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

LlamaLayerImpl::LlamaLayerImpl(const arch::LlamaConfig& c) {
  self_attn = register_module("self_attn", LlamaAttention(c));
  mlp = register_module("mlp", LlamaMlp(c));
  input_layernorm = register_module("input_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps));
}

at::Tensor LlamaLayerImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, KvCache* cache,
                                   size_t layer) {
  at::Tensor h = x + self_attn->forward(input_layernorm->forward(x), cos, sin, cache, layer);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

namespace {

// Activation checkpointing of one decoder layer (torch.utils.checkpoint's reentrant form): the forward pass keeps
// only the layer's input; the backward pass runs the layer again with gradients on and back-propagates through it,
// which also accumulates the gradients of any of its parameters that train (LoRA, --unfreeze). The CPU generator's
// state is kept too, so a dropout inside the layer draws the same mask again (preserve_rng_state).
at::Tensor generator_state() {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_generator_state(const at::Tensor& state) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

struct CheckpointedLayer : torch::autograd::Function<CheckpointedLayer> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& cos,
                            const at::Tensor& sin, int64_t layer_address) {
    ctx->save_for_backward({x, cos, sin});
    ctx->saved_data["layer"] = layer_address;
    ctx->saved_data["rng"] = generator_state();
    torch::NoGradGuard no_grad;
    return reinterpret_cast<LlamaLayerImpl*>(layer_address)->forward(x, cos, sin, nullptr, 0);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    auto saved = ctx->get_saved_variables();
    auto* layer = reinterpret_cast<LlamaLayerImpl*>(ctx->saved_data["layer"].toInt());
    at::Tensor x = saved[0].detach().requires_grad_(true);
    const at::Tensor now = generator_state();
    set_generator_state(ctx->saved_data["rng"].toTensor());
    {
      torch::AutoGradMode enable(true);
      at::Tensor out = layer->forward(x, saved[1], saved[2], nullptr, 0);
      set_generator_state(now);
      torch::autograd::backward({out}, {grad[0]});
    }
    return {x.grad(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor run_layers(torch::nn::ModuleList& layers, const arch::LlamaConfig& c, const at::Tensor& embeds,
                      KvCache* cache, bool checkpoint) {
  const int64_t past = cache ? cache->length : 0, l = embeds.size(1);
  at::Tensor positions = torch::arange(past, past + l, torch::TensorOptions().dtype(torch::kLong).device(embeds.device()));
  auto [cos, sin] = rope_tables(positions, c.head_dim(), c.rope_theta, embeds.scalar_type(), c.rope_scaling);
  at::Tensor h = embeds;
  const bool recompute = checkpoint && !cache && torch::GradMode::is_enabled();
  for (size_t i = 0; i < layers->size(); ++i) {
    auto* layer = layers[i]->as<LlamaLayerImpl>();
    h = recompute ? CheckpointedLayer::apply(h, cos, sin, reinterpret_cast<int64_t>(layer))
                  : layer->forward(h, cos, sin, cache, i);
  }
  if (cache) cache->length += l;
  return h;
}

}  // namespace grove::model
