// See layers.h. The initialisations are torch::nn's (1.13): kaiming_uniform_(a = sqrt(5)) weights and
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) biases for linear and convolution layers, N(0, 1) embeddings, ones and zeros
// for layer norms.
#include "nn/layers.h"

#include <torch/torch.h>

#include <atomic>
#include <cmath>

namespace grove::nn {

namespace {

thread_local BuildOptions current;
std::atomic<uint64_t> flops{0};

void count(int64_t n) { flops.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed); }

// A parameter initialised as torch::nn's linear and convolution layers do it (fan_in from the weight's shape).
void init_like_torch(at::Tensor& weight, at::Tensor* bias) {
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias && bias->defined()) {
    const auto fan_in = std::get<0>(torch::nn::init::_calculate_fan_in_and_fan_out(weight));
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    bias->uniform_(-bound, bound);
  }
}

at::Tensor empty(const std::vector<int64_t>& shape) { return torch::empty(shape, current.options); }

// weight, and bias when wanted, registered under torch::nn's names and initialised as torch::nn does.
void make_weight_and_bias(torch::nn::Module& m, const std::vector<int64_t>& shape, bool with_bias, int64_t bias_size,
                          at::Tensor& weight, at::Tensor& bias) {
  weight = m.register_parameter("weight", empty(shape));
  if (with_bias) bias = m.register_parameter("bias", empty({bias_size}));
  if (current.initialise) init_like_torch(weight, with_bias ? &bias : nullptr);
}

}  // namespace

const BuildOptions& build_options() { return current; }
uint64_t dense_flops() { return flops.load(); }
void reset_dense_flops() { flops.store(0); }

BuildScope::BuildScope(BuildOptions o) : saved_(current) { current = std::move(o); }
BuildScope::~BuildScope() { current = saved_; }

at::Tensor make_parameter(const std::vector<int64_t>& shape, Init init) {
  at::Tensor t = empty(shape);
  if (!current.initialise) return t;
  torch::NoGradGuard no_grad;
  switch (init) {
    case Init::Zeros: t.zero_(); break;
    case Init::Ones: t.fill_(1); break;
    case Init::Normal: t.normal_(); break;
  }
  return t;
}

LinearImpl::LinearImpl(int64_t i, int64_t o, bool b) : in(i), out(o), has_bias(b) { reset(); }
void LinearImpl::reset() { make_weight_and_bias(*this, {out, in}, has_bias, out, weight, bias); }
at::Tensor LinearImpl::forward(const at::Tensor& x) {
  at::Tensor y = torch::linear(x, weight, bias);
  count(2 * y.numel() * in);
  if (lora_A.defined()) {
    at::Tensor d = lora_dropout > 0 ? torch::dropout(x, lora_dropout, is_training()) : x;
    y = y + torch::linear(torch::linear(d, lora_A), lora_B) * lora_scaling;
  }
  return y;
}

void LinearImpl::add_lora(int64_t r, double alpha, double dropout) {
  torch::NoGradGuard no_grad;
  lora_A = register_parameter("lora_A", torch::empty({r, in}, weight.options()));
  lora_B = register_parameter("lora_B", torch::zeros({out, r}, weight.options()));
  torch::nn::init::kaiming_uniform_(lora_A, std::sqrt(5.0));
  lora_scaling = alpha / static_cast<double>(r);
  lora_dropout = dropout;
}

at::Tensor LinearImpl::merged_weight() const {
  if (!lora_A.defined()) return weight;
  return weight + torch::matmul(lora_B, lora_A) * lora_scaling;
}

EmbeddingImpl::EmbeddingImpl(int64_t n, int64_t d) : count(n), dim(d) { reset(); }
void EmbeddingImpl::reset() { weight = register_parameter("weight", make_parameter({count, dim}, Init::Normal)); }
at::Tensor EmbeddingImpl::forward(const at::Tensor& ids) { return torch::embedding(weight, ids); }

LayerNormImpl::LayerNormImpl(int64_t d, double e) : dim(d), eps(e) { reset(); }
void LayerNormImpl::reset() {
  weight = register_parameter("weight", make_parameter({dim}, Init::Ones));
  bias = register_parameter("bias", make_parameter({dim}, Init::Zeros));
}
at::Tensor LayerNormImpl::forward(const at::Tensor& x) { return torch::layer_norm(x, {dim}, weight, bias, eps); }

Conv2dImpl::Conv2dImpl(ConvSpec s) : spec(s) { reset(); }
void Conv2dImpl::reset() {
  make_weight_and_bias(*this, {spec.out, spec.in, spec.kernel, spec.kernel}, spec.bias, spec.out, weight, bias);
}
at::Tensor Conv2dImpl::forward(const at::Tensor& x) {
  at::Tensor y = torch::conv2d(x, weight, bias, {spec.stride, spec.stride}, {spec.padding, spec.padding});
  count(2 * y.numel() * spec.in * spec.kernel * spec.kernel);
  return y;
}

Conv3dImpl::Conv3dImpl(ConvSpec s) : spec(s) { reset(); }
void Conv3dImpl::reset() {
  const int64_t k = spec.kernel;
  make_weight_and_bias(*this, {spec.out, spec.in, k, k, k}, spec.bias, spec.out, weight, bias);
}
at::Tensor Conv3dImpl::forward(const at::Tensor& x) {
  const int64_t s = spec.stride, p = spec.padding;
  at::Tensor y = torch::conv3d(x, weight, bias, {s, s, s}, {p, p, p});
  count(2 * y.numel() * spec.in * spec.kernel * spec.kernel * spec.kernel);
  return y;
}

// The transposed weight is (in, out, k, k), so torch::nn's fan_in (size(1) * k * k) is out * k * k.
ConvTranspose2dImpl::ConvTranspose2dImpl(ConvSpec s) : spec(s) { reset(); }
void ConvTranspose2dImpl::reset() {
  make_weight_and_bias(*this, {spec.in, spec.out, spec.kernel, spec.kernel}, spec.bias, spec.out, weight, bias);
}
at::Tensor ConvTranspose2dImpl::forward(const at::Tensor& x) {
  count(2 * x.numel() * spec.out * spec.kernel * spec.kernel);
  return torch::conv_transpose2d(x, weight, bias, {spec.stride, spec.stride}, {spec.padding, spec.padding});
}

}  // namespace grove::nn
