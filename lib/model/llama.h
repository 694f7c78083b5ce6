// The language model's decoder layers (reference/model.md section 2.1): LLaMA as Hugging Face's LlamaModel computes
// it. RMSNorm in float32, rotary positions in the rotate_half convention (dimension i pairs with i + head_dim / 2),
// attention with grouped key/value heads and the softmax in float32, SwiGLU MLP, no biases. A key/value cache makes
// greedy decoding cost one position per step; a cached run equals the full recomputation. Registered under the
// original's names relative to model.layers.<i>. and model.norm.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include "arch/config.h"
#include "nn/layers.h"

namespace grove::model {

struct RmsNormImpl : torch::nn::Module {
  RmsNormImpl(int64_t dim, double eps);
  at::Tensor forward(const at::Tensor& x);  // weight * (x / sqrt(mean(x^2) + eps)) computed in float32
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(RmsNorm);

// The rotary frequencies theta^(-2i / head_dim), i < head_dim / 2, in float32, with Hugging Face's rope_scaling
// ("llama3" or "linear") applied as transformers' _compute_llama3_parameters / linear scaling do.
at::Tensor rope_inv_freq(int64_t head_dim, double theta, const arch::RopeScaling& scaling, c10::Device device);
// cos and sin of the rotary angles position * inv_freq, duplicated to the full head_dim, computed in float32 as
// Hugging Face does and then cast to DTYPE: (L, head_dim) each.
std::pair<at::Tensor, at::Tensor> rope_tables(const at::Tensor& positions, int64_t head_dim, double theta,
                                              c10::ScalarType dtype, const arch::RopeScaling& scaling = {});
// x (B, heads, L, head_dim) rotated: x * cos + rotate_half(x) * sin.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

// Keys and values of the positions already run, per layer, in buffers that grow by doubling.
struct KvCache {
  std::vector<at::Tensor> keys, values;  // (B, kv_heads, capacity, head_dim) per layer
  int64_t length = 0;                    // positions filled
  void clear() { keys.clear(), values.clear(), length = 0; }
};

struct LlamaAttentionImpl : torch::nn::Module {
  explicit LlamaAttentionImpl(const arch::LlamaConfig& c);
  // x (B, L, H) at positions cache.length .. + L (or 0 .. L without a cache), causal.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, KvCache* cache, size_t layer);
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t heads, kv_heads, head_dim;
};
TORCH_MODULE(LlamaAttention);

struct LlamaMlpImpl : torch::nn::Module {
  explicit LlamaMlpImpl(const arch::LlamaConfig& c);
  at::Tensor forward(const at::Tensor& x);  // down(silu(gate(x)) * up(x))
  nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

struct LlamaLayerImpl : torch::nn::Module {
  explicit LlamaLayerImpl(const arch::LlamaConfig& c);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, KvCache* cache, size_t layer);
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(LlamaLayer);

// The decoder layers (a ModuleList of LlamaLayer) on embeddings (B, L, H) at positions cache->length .. + L (0 ..
// without a cache), before the final norm; with a cache, appends these positions to it. checkpoint: when gradients
// are being recorded, keep only each layer's input and recompute the layer in the backward pass (activation
// checkpointing: the same gradients, a fraction of the memory, about a third more compute).
at::Tensor run_layers(torch::nn::ModuleList& layers, const arch::LlamaConfig& c, const at::Tensor& embeds,
                      KvCache* cache, bool checkpoint = false);

}  // namespace grove::model
