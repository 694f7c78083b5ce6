// The global image encoder: CLIP ViT (openai/clip-vit-large-patch14-336 in the released model) with the original's
// spatio-temporal adapters, its layer -2 patch features, the AdaptiveAvgPool3d to pool[0]*pool[1]*pool[2] video
// tokens, and the mm_projector (reference/model.md section 2.2). Parameters are registered under the original's
// names relative to model.vision_tower.vision_tower.vision_model. (the tower) and model.mm_projector. (the projector).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include "arch/config.h"
#include "nn/layers.h"
#include "model/adapter.h"

namespace grove::model {

struct ClipAttentionImpl : torch::nn::Module {
  ClipAttentionImpl(int64_t dim, int64_t heads);
  at::Tensor forward(const at::Tensor& x);
  nn::Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(ClipAttention);

struct ClipMlpImpl : torch::nn::Module {
  ClipMlpImpl(int64_t dim, int64_t hidden);
  at::Tensor forward(const at::Tensor& x);  // fc2(quick_gelu(fc1(x)))
  nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

struct ClipLayerImpl : torch::nn::Module {
  explicit ClipLayerImpl(const arch::ClipConfig& c);
  at::Tensor forward(const at::Tensor& x);  // pre-LayerNorm residual attention and MLP
  ClipAttention self_attn{nullptr};
  nn::LayerNorm layer_norm1{nullptr};
  ClipMlp mlp{nullptr};
  nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipLayer);

struct ClipEmbeddingsImpl : torch::nn::Module {
  explicit ClipEmbeddingsImpl(const arch::ClipConfig& c);
  at::Tensor forward(const at::Tensor& pixels);  // (N, 3, S, S) -> (N, 1 + patches, C)
  at::Tensor class_embedding;
  nn::Conv2d patch_embedding{nullptr};
  nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipEmbeddings);

struct ClipEncoderImpl : torch::nn::Module {
  explicit ClipEncoderImpl(const arch::ClipConfig& c);
  torch::nn::ModuleList layers, adapters;
};
TORCH_MODULE(ClipEncoder);

// CLIPVisionTransformer with the adapters: the module named vision_model.
struct ClipVisionImpl : torch::nn::Module {
  ClipVisionImpl(const arch::ClipConfig& c, int64_t num_frames);
  // pixels: (B*T, 3, S, S) normalised frames, T = num_frames per clip window. Returns the patch tokens of hidden
  // state select_layer (CLS dropped): (B*T, patches, C). Layers past the selected one are not run.
  at::Tensor forward(const at::Tensor& pixels);
  ClipEmbeddings embeddings{nullptr};
  nn::LayerNorm pre_layrnorm{nullptr}, post_layernorm{nullptr};
  ClipEncoder encoder{nullptr};
  arch::ClipConfig config;
  int64_t num_frames;

 private:
  at::Tensor adapt(const at::Tensor& x, int64_t k);
};
TORCH_MODULE(ClipVision);

// AdaptiveAvgPool3d over (time, grid, grid): (B*T, grid*grid, C) -> (B, pool_t*pool_h*pool_w, C), t-major.
at::Tensor pool_video_tokens(const at::Tensor& patches, const arch::ClipConfig& c, int64_t num_frames);

// The mm_projector: Linear(C, H) - GELU (erf) - Linear(H, H), registered as "0" and "2".
torch::nn::Sequential make_projector(int64_t clip_dim, int64_t llm_dim);

// CLIP's pixel normalisation of frames already resized and cropped: uint8 (N, S, S, 3) -> float (N, 3, S, S),
// x * float32(1 / 255), then (x - mean) / std, all in float32.
at::Tensor clip_normalize(const at::Tensor& rgb_uint8);

}  // namespace grove::model
