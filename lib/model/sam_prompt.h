// SAM's prompt encoder as GROVE uses it (reference/model.md section 2.4): the [DET] features are the sparse prompts,
// the dense prompt is no_mask_embed everywhere, and get_dense_pe() is the random-Fourier positional encoding of the
// image-embedding grid. The point, box and mask branches are never run but their weights are part of the model,
// so they are registered (under the original's names) to load and save every tensor.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include "arch/config.h"
#include "nn/layers.h"

namespace grove::model {

// LayerNorm over the channels of an NCHW tensor (SAM's LayerNorm2d; eps 1e-6).
struct LayerNorm2dImpl : torch::nn::Module {
  explicit LayerNorm2dImpl(int64_t channels, double eps = 1e-6);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(LayerNorm2d);

struct PositionEmbeddingRandomImpl : torch::nn::Module {
  explicit PositionEmbeddingRandomImpl(int64_t num_feats);
  // (1, 2 * num_feats, h, w), computed in the dtype of the Gaussian matrix (bf16 when the model is bf16, as the
  // original: its sin/cos arguments reach ~20 rad and bf16 quantises them).
  at::Tensor forward(int64_t h, int64_t w);
  at::Tensor positional_encoding_gaussian_matrix;  // buffer (2, num_feats)
};
TORCH_MODULE(PositionEmbeddingRandom);

struct PromptEncoderImpl : torch::nn::Module {
  explicit PromptEncoderImpl(const arch::SamConfig& c);
  at::Tensor dense_pe();                       // (1, prompt_dim, grid, grid)
  at::Tensor dense_prompt(int64_t n);          // no_mask_embed broadcast: (n, prompt_dim, grid, grid)
  PositionEmbeddingRandom pe_layer{nullptr};
  torch::nn::ModuleList point_embeddings;
  nn::Embedding not_a_point_embed{nullptr}, no_mask_embed{nullptr};
  torch::nn::Sequential mask_downscaling{nullptr};
  int64_t grid;
};
TORCH_MODULE(PromptEncoder);

}  // namespace grove::model
