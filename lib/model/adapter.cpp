#include "model/adapter.h"

#include <torch/torch.h>

namespace grove::model {

ConvAdapterImpl::ConvAdapterImpl(int64_t channels) {
  conv3d = register_module("conv3d", nn::Conv3d(nn::ConvSpec{channels, channels, 3, 1, 1}));
  alpha = register_parameter("alpha", nn::make_parameter({1}, nn::Init::Zeros));
}

at::Tensor ConvAdapterImpl::forward(const at::Tensor& x) {
  return torch::tanh(alpha) * torch::relu(conv3d->forward(x)) + x;
}

bool ConvAdapterImpl::is_identity() const { return alpha.eq(0).all().item<bool>(); }

}  // namespace grove::model
