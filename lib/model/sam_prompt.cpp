#include "model/sam_prompt.h"

#include <torch/torch.h>

#include <cmath>

namespace grove::model {

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double e) : eps(e) {
  weight = register_parameter("weight", nn::make_parameter({channels}, nn::Init::Ones));
  bias = register_parameter("bias", nn::make_parameter({channels}, nn::Init::Zeros));
}

at::Tensor LayerNorm2dImpl::forward(const at::Tensor& x) {
  at::Tensor u = x.mean(1, true);
  at::Tensor s = (x - u).pow(2).mean(1, true);
  at::Tensor y = (x - u) / torch::sqrt(s + eps);
  return weight.view({1, -1, 1, 1}) * y + bias.view({1, -1, 1, 1});
}

PositionEmbeddingRandomImpl::PositionEmbeddingRandomImpl(int64_t num_feats) {
  positional_encoding_gaussian_matrix = register_buffer("positional_encoding_gaussian_matrix", nn::make_parameter({2, num_feats}, nn::Init::Normal));
}

at::Tensor PositionEmbeddingRandomImpl::forward(int64_t h, int64_t w) {
  const auto& g = positional_encoding_gaussian_matrix;
  auto opts = g.options();
  at::Tensor ones = torch::ones({h, w}, opts);
  at::Tensor y = (ones.cumsum(0, g.scalar_type()) - 0.5) / static_cast<double>(h);
  at::Tensor x = (ones.cumsum(1, g.scalar_type()) - 0.5) / static_cast<double>(w);
  at::Tensor coords = torch::stack({x, y}, -1) * 2 - 1;  // (h, w, 2), x first as the original
  coords = torch::matmul(coords, g) * (2 * M_PI);
  return torch::cat({torch::sin(coords), torch::cos(coords)}, -1).permute({2, 0, 1}).unsqueeze(0);
}

PromptEncoderImpl::PromptEncoderImpl(const arch::SamConfig& c) : grid(c.grid()) {
  const int64_t d = c.prompt_dim, m = c.mask_in_chans;
  pe_layer = register_module("pe_layer", PositionEmbeddingRandom(d / 2));
  point_embeddings = register_module("point_embeddings", torch::nn::ModuleList());
  for (int k = 0; k < 4; ++k) point_embeddings->push_back(nn::Embedding(1, d));
  not_a_point_embed = register_module("not_a_point_embed", nn::Embedding(1, d));
  mask_downscaling = register_module(
      "mask_downscaling",
      torch::nn::Sequential(nn::Conv2d(nn::ConvSpec{1, m / 4, 2, 2, 0}), LayerNorm2d(m / 4),
                            torch::nn::GELU(), nn::Conv2d(nn::ConvSpec{m / 4, m, 2, 2, 0}),
                            LayerNorm2d(m), torch::nn::GELU(), nn::Conv2d(nn::ConvSpec{m, d, 1, 1, 0})));
  no_mask_embed = register_module("no_mask_embed", nn::Embedding(1, d));
}

at::Tensor PromptEncoderImpl::dense_pe() { return pe_layer->forward(grid, grid); }

at::Tensor PromptEncoderImpl::dense_prompt(int64_t n) {
  return no_mask_embed->weight.view({1, -1, 1, 1}).expand({n, no_mask_embed->weight.size(1), grid, grid});
}

}  // namespace grove::model
