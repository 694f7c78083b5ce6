// The parametrised layers the network is built from (Linear, Embedding, LayerNorm, Conv2d, Conv3d,
// ConvTranspose2d) and the factory every parameter of the network is made by. They compute exactly what
// torch::nn's layers compute and register the same names ("weight", "bias"), but where and how their parameters
// are made is set by a BuildScope:
//   - dtype and device: a model is built directly in bf16 on a GPU, with no fp32 copy on the host first;
//   - initialisation: torch::nn's own random initialisation by default (tests, training from scratch), or none, so
//     a 7B model about to be loaded costs neither the 34 GB nor the seconds of initialising it (untouched memory).
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace grove::nn {

// How parameters are made on this thread while a BuildScope lives (default: float32 on the CPU, initialised).
struct BuildOptions {
  c10::TensorOptions options = c10::TensorOptions().dtype(c10::kFloat);
  bool initialise = true;
};
const BuildOptions& build_options();

class BuildScope {
 public:
  explicit BuildScope(BuildOptions o);
  ~BuildScope();
  BuildScope(const BuildScope&) = delete;
  BuildScope& operator=(const BuildScope&) = delete;

 private:
  BuildOptions saved_;
};

// Floating-point operations (a multiply-add counts 2) done by the dense layers below since the last reset: the
// linear and convolution layers, which carry nearly all of a network's work (attention's own products are not
// counted). Benchmarks read it to report achieved GFLOP/s.
uint64_t dense_flops();
void reset_dense_flops();

enum class Init { Zeros, Ones, Normal };
// A new tensor of this shape under the current BuildOptions: uninitialised when they say so, else filled.
at::Tensor make_parameter(const std::vector<int64_t>& shape, Init init);

struct LinearImpl : torch::nn::Cloneable<LinearImpl> {
  LinearImpl(int64_t in, int64_t out, bool bias = true);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  // LoRA (Hu et al. 2021; PEFT's default init): y = W x + b + alpha / r * B A dropout(x), with A (r, in) drawn as
  // kaiming_uniform(a = sqrt(5)) and B (out, r) zero, registered as "lora_A" and "lora_B". The layer starts out
  // computing exactly what it did.
  void add_lora(int64_t r, double alpha, double dropout);
  bool has_lora() const { return lora_A.defined(); }
  at::Tensor merged_weight() const;  // W + alpha / r * B A (W itself without LoRA)
  int64_t in, out;
  bool has_bias;
  at::Tensor weight, bias, lora_A, lora_B;
  double lora_scaling = 0, lora_dropout = 0;
};
TORCH_MODULE(Linear);

struct EmbeddingImpl : torch::nn::Cloneable<EmbeddingImpl> {
  EmbeddingImpl(int64_t count, int64_t dim);
  void reset() override;
  at::Tensor forward(const at::Tensor& ids);
  int64_t count, dim;
  at::Tensor weight;
};
TORCH_MODULE(Embedding);

struct LayerNormImpl : torch::nn::Cloneable<LayerNormImpl> {
  LayerNormImpl(int64_t dim, double eps);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);  // over the last dimension
  int64_t dim;
  double eps;
  at::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

// Convolutions with square kernels, zero padding and no groups or dilation, as the network uses them.
struct ConvSpec {
  int64_t in, out, kernel, stride = 1, padding = 0;
  bool bias = true;
};

struct Conv2dImpl : torch::nn::Cloneable<Conv2dImpl> {
  explicit Conv2dImpl(ConvSpec s);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  ConvSpec spec;
  at::Tensor weight, bias;
};
TORCH_MODULE(Conv2d);

struct Conv3dImpl : torch::nn::Cloneable<Conv3dImpl> {
  explicit Conv3dImpl(ConvSpec s);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  ConvSpec spec;
  at::Tensor weight, bias;
};
TORCH_MODULE(Conv3d);

struct ConvTranspose2dImpl : torch::nn::Cloneable<ConvTranspose2dImpl> {
  explicit ConvTranspose2dImpl(ConvSpec s);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  ConvSpec spec;
  at::Tensor weight, bias;
};
TORCH_MODULE(ConvTranspose2d);

}  // namespace grove::nn
