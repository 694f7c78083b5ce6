#include "model/adapter.h"

#include <torch/torch.h>

namespace grove::model {

ConvAdapterImpl::ConvAdapterImpl(int64_t channels) {
  conv3d = register_module("conv3d", torch::nn::Conv3d(torch::nn::Conv3dOptions(channels, channels, 3).padding(1)));
  alpha = register_parameter("alpha", torch::zeros({1}));
}

at::Tensor ConvAdapterImpl::forward(const at::Tensor& x) {
  return torch::tanh(alpha) * torch::relu(conv3d->forward(x)) + x;
}

bool ConvAdapterImpl::is_identity() const { return alpha.eq(0).all().item<bool>(); }

}  // namespace grove::model
