#include "model/clip.h"

#include <torch/torch.h>

#include <cmath>

namespace grove::model {

namespace F = torch::nn::functional;

ClipAttentionImpl::ClipAttentionImpl(int64_t dim, int64_t h) : heads(h) {
  k_proj = register_module("k_proj", nn::Linear(dim, dim));
  v_proj = register_module("v_proj", nn::Linear(dim, dim));
  q_proj = register_module("q_proj", nn::Linear(dim, dim));
  out_proj = register_module("out_proj", nn::Linear(dim, dim));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x) {
  const int64_t n = x.size(0), l = x.size(1), d = x.size(2), hd = d / heads;
  auto split = [&](const at::Tensor& t) { return t.view({n, l, heads, hd}).transpose(1, 2); };
  at::Tensor q = split(q_proj->forward(x) * (1.0 / std::sqrt(static_cast<double>(hd))));
  at::Tensor k = split(k_proj->forward(x)), v = split(v_proj->forward(x));
  at::Tensor attn = torch::softmax(torch::matmul(q, k.transpose(-1, -2)), -1);
  return out_proj->forward(torch::matmul(attn, v).transpose(1, 2).reshape({n, l, d}));
}

ClipMlpImpl::ClipMlpImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", nn::Linear(dim, hidden));
  fc2 = register_module("fc2", nn::Linear(hidden, dim));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) {
  at::Tensor h = fc1->forward(x);
  return fc2->forward(h * torch::sigmoid(1.702 * h));  // quick_gelu
}

ClipLayerImpl::ClipLayerImpl(const arch::ClipConfig& c) {
  auto ln = [&] { return nn::LayerNorm(c.hidden_size, c.layer_norm_eps); };
  self_attn = register_module("self_attn", ClipAttention(c.hidden_size, c.num_attention_heads));
  layer_norm1 = register_module("layer_norm1", ln());
  mlp = register_module("mlp", ClipMlp(c.hidden_size, c.intermediate_size));
  layer_norm2 = register_module("layer_norm2", ln());
}

at::Tensor ClipLayerImpl::forward(const at::Tensor& x) {
  at::Tensor h = x + self_attn->forward(layer_norm1->forward(x));
  return h + mlp->forward(layer_norm2->forward(h));
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const arch::ClipConfig& c) {
  class_embedding = register_parameter("class_embedding", nn::make_parameter({c.hidden_size}, nn::Init::Zeros));
  patch_embedding = register_module(
      "patch_embedding",
      nn::Conv2d(nn::ConvSpec{3, c.hidden_size, c.patch_size, c.patch_size, 0, false}));
  position_embedding = register_module("position_embedding", nn::Embedding(c.grid() * c.grid() + 1, c.hidden_size));
}

at::Tensor ClipEmbeddingsImpl::forward(const at::Tensor& pixels) {
  at::Tensor patches = patch_embedding->forward(pixels.to(patch_embedding->weight.dtype()));
  patches = patches.flatten(2).transpose(1, 2);  // (N, patches, C)
  at::Tensor cls = class_embedding.view({1, 1, -1}).expand({patches.size(0), 1, patches.size(2)});
  return torch::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

ClipEncoderImpl::ClipEncoderImpl(const arch::ClipConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(ClipLayer(c));
  adapters = register_module("adapters", torch::nn::ModuleList());
  for (int64_t k = 0; k < c.num_adapters(); ++k) adapters->push_back(ConvAdapter(c.hidden_size));
}

ClipVisionImpl::ClipVisionImpl(const arch::ClipConfig& c, int64_t frames) : config(c), num_frames(frames) {
  auto ln = [&] { return nn::LayerNorm(c.hidden_size, c.layer_norm_eps); };
  embeddings = register_module("embeddings", ClipEmbeddings(c));
  pre_layrnorm = register_module("pre_layrnorm", ln());
  encoder = register_module("encoder", ClipEncoder(c));
  post_layernorm = register_module("post_layernorm", ln());
}

// The adapter sees the patch tokens of each clip as (b, c, t, h, w) with the original's grid (16 x 36 for 24 x 24
// patches: a reinterpretation of the row-major patch order, kept as the weights were trained with it); CLS bypasses.
at::Tensor ClipVisionImpl::adapt(const at::Tensor& x, int64_t k) {
  auto& adapter = *encoder->adapters[k]->as<ConvAdapterImpl>();
  // alpha = 0 in the released weights: skip a 27-tap Conv3d per layer — unless the adapter is being trained (a
  // tower unfrozen on purpose), where alpha's gradient at 0 is what moves it.
  if (adapter.is_identity() && !(c10::GradMode::is_enabled() && adapter.alpha.requires_grad())) return x;
  const int64_t n = x.size(0), c = x.size(2), b = n / num_frames;
  const int64_t gh = config.adapter_grid[0], gw = config.adapter_grid[1];
  at::Tensor cls = x.narrow(1, 0, 1);
  at::Tensor seq = x.narrow(1, 1, x.size(1) - 1).reshape({b, num_frames, gh, gw, c}).permute({0, 4, 1, 2, 3});
  seq = adapter.forward(seq).permute({0, 2, 3, 4, 1}).reshape({n, gh * gw, c});
  return torch::cat({cls, seq}, 1);
}

at::Tensor ClipVisionImpl::forward(const at::Tensor& pixels) {
  at::Tensor h = pre_layrnorm->forward(embeddings->forward(pixels));
  // hidden_states = [embeddings, after layer 0, ..., after layer L-1]; index L + 1 + select_layer is the input
  // of layer L + 1 + select_layer, so that many layers run.
  const int64_t run = config.num_hidden_layers + 1 + config.select_layer;
  for (int64_t i = 0; i < run; ++i) {
    h = encoder->layers[i]->as<ClipLayerImpl>()->forward(h);
    if (config.adapter_every > 0 && i % config.adapter_every == 0 && i / config.adapter_every < config.num_adapters())
      h = adapt(h, i / config.adapter_every);
  }
  return h.narrow(1, 1, h.size(1) - 1);
}

at::Tensor pool_video_tokens(const at::Tensor& patches, const arch::ClipConfig& c, int64_t num_frames) {
  const int64_t n = patches.size(0), ch = patches.size(2), b = n / num_frames, g = c.grid();
  at::Tensor x = patches.reshape({b, num_frames, g, g, ch}).permute({0, 4, 1, 2, 3});
  // LibTorch's CPU kernel has no bf16/fp16 version. CUDA's sums in float32 and rounds once, so pooling in float32
  // and rounding the result gives the same numbers.
  const bool widen = x.is_cpu() && x.scalar_type() != c10::kFloat && x.scalar_type() != c10::kDouble;
  at::Tensor pooled = torch::adaptive_avg_pool3d(widen ? x.to(c10::kFloat) : x, {c.pool[0], c.pool[1], c.pool[2]});
  return pooled.to(x.scalar_type()).flatten(2).transpose(1, 2);
}

torch::nn::Sequential make_projector(int64_t clip_dim, int64_t llm_dim) {
  return torch::nn::Sequential(nn::Linear(clip_dim, llm_dim), torch::nn::GELU(),
                               nn::Linear(llm_dim, llm_dim));
}

at::Tensor clip_normalize(const at::Tensor& rgb_uint8) {
  const auto mean = torch::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({1, 3, 1, 1});
  const auto stdv = torch::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({1, 3, 1, 1});
  // x * float32(1 / 255), all in float32: the values the golden preprocessing fixture holds to the last bit.
  at::Tensor x = rgb_uint8.permute({0, 3, 1, 2}).to(torch::kFloat32) * torch::tensor(1.0f / 255.0f);
  return (x - mean) / stdv;
}

}  // namespace grove::model
