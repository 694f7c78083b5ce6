// SpatioTemporalConvAdapter, the original's temporal block shared by CLIP and SAM: x + tanh(alpha) * relu(Conv3d(x))
// over a (batch, channels, time, height, width) layout, Conv3d 3x3x3 with 'same' zero padding and a bias.
#pragma once
#include <torch/nn/module.h>

#include "nn/layers.h"

namespace grove::model {

struct ConvAdapterImpl : torch::nn::Module {
  explicit ConvAdapterImpl(int64_t channels);
  // x: (B, C, T, H, W) -> the same shape.
  at::Tensor forward(const at::Tensor& x);
  bool is_identity() const;  // alpha == 0: tanh(0) = 0, the adapter changes nothing

  nn::Conv3d conv3d{nullptr};
  at::Tensor alpha;
};
TORCH_MODULE(ConvAdapter);

}  // namespace grove::model
