// See load.h.
#include "model/load.h"

#include <torch/torch.h>

#include "core/error.h"
#include "nn/layers.h"
#include "nn/tensors.h"

namespace grove::model {

namespace {
std::string nn_runtime_hint() { return "a CPU build, or no GPU visible"; }
}  // namespace

Grove load_grove(const arch::ModelDir& dir, const LoadOptions& options) {
  Grove g{nullptr};
  {
    nn::BuildScope scope({c10::TensorOptions().dtype(options.dtype).device(options.device), false});
    g = Grove(dir.config());
  }
  nn::load_module(*g, nn::views(dir.weights()), "", dir.path(), options.share && options.device.is_cpu());
  g->eval();
  return g;
}

c10::ScalarType parse_dtype(const std::string& name, const std::string& where) {
  if (name == "f32" || name == "float32" || name == "fp32") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "f16" || name == "float16" || name == "fp16") return c10::kHalf;
  throw Error(where, "'" + name + "' is not a dtype (f32, bf16 or f16)");
}

c10::Device parse_device(const std::string& name, const std::string& where) {
  c10::Device d(c10::kCPU);
  try {
    d = c10::Device(name);
  } catch (const c10::Error&) {
    throw Error(where, "'" + name + "' is not a device (cpu, cuda or cuda:N)");
  }
  if (d.is_cuda()) {
    if (!torch::cuda::is_available())
      throw Error(where, "'" + name + "' asked for, but no CUDA device is available to this LibTorch (" +
                             nn_runtime_hint() + ")");
    if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
      throw Error(where, "'" + name + "': only " + std::to_string(torch::cuda::device_count()) + " CUDA devices");
  } else if (!d.is_cpu()) {
    throw Error(where, "'" + name + "' is not a device (cpu, cuda or cuda:N)");
  }
  return d;
}

}  // namespace grove::model
