#include "nn/tensors.h"

#include <torch/torch.h>

#include "arch/model_dir.h"
#include "core/error.h"

namespace grove::nn {

namespace {
const std::pair<io::DType, c10::ScalarType> kTypes[] = {
    {io::DType::F64, torch::kFloat64}, {io::DType::F32, torch::kFloat32}, {io::DType::F16, torch::kFloat16},
    {io::DType::BF16, torch::kBFloat16}, {io::DType::I64, torch::kInt64}, {io::DType::I32, torch::kInt32},
    {io::DType::I16, torch::kInt16},   {io::DType::I8, torch::kInt8},     {io::DType::U8, torch::kUInt8},
    {io::DType::Bool, torch::kBool}};
}  // namespace

c10::ScalarType scalar_type(io::DType d) {
  for (const auto& [a, b] : kTypes) {
    if (a == d) return b;
  }
  throw Error("", "unknown dtype");
}

io::DType dtype_of(c10::ScalarType t) {
  for (const auto& [a, b] : kTypes) {
    if (b == t) return a;
  }
  throw Error("", std::string("safetensors cannot hold dtype ") + c10::toString(t));
}

at::Tensor view(const io::TensorView& v, std::shared_ptr<const void> keep) {
  auto* holder = new std::shared_ptr<const void>(std::move(keep));
  return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, [holder](void*) { delete holder; },
                          torch::TensorOptions().dtype(scalar_type(v.dtype)));
}

at::Tensor view(const io::CheckpointTensor& t) {
  auto* holder = new std::shared_ptr<io::Storage>(t.storage);
  const uint8_t* base = t.storage->data + static_cast<size_t>(t.offset) * io::dtype_size(t.dtype);
  return torch::from_blob(const_cast<uint8_t*>(base), t.shape, t.strides, [holder](void*) { delete holder; },
                          torch::TensorOptions().dtype(scalar_type(t.dtype)));
}

std::vector<std::pair<std::string, at::Tensor>> views(const io::SafetensorsSet& set) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  out.reserve(set.names().size());
  for (const auto& file : set.files())
    for (const auto& name : file.names()) out.emplace_back(name, view(file.get(name), file.mapping()));
  return out;
}

void load_module(torch::nn::Module& m, const std::vector<std::pair<std::string, at::Tensor>>& weights,
                 const std::string& prefix, const std::string& where, bool share) {
  std::map<std::string, at::Tensor> sources;
  std::vector<io::WeightInfo> have;
  for (const auto& [name, t] : weights)
    if (name.compare(0, prefix.size(), prefix) == 0) {
      sources[name] = t;
      have.push_back({name, dtype_of(t.scalar_type()), t.sizes().vec()});
    }
  std::vector<std::pair<std::string, at::Tensor>> targets;  // every parameter and buffer, under its full name
  for (const auto& p : m.named_parameters()) targets.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : m.named_buffers()) targets.emplace_back(prefix + b.key(), b.value());
  std::vector<arch::TensorSpec> expected;
  for (const auto& [name, t] : targets) expected.push_back({name, t.sizes().vec(), ""});
  auto problems = arch::compare_weights(expected, have);
  if (!problems.empty()) throw Error(where, arch::summarize_problems(problems));
  torch::NoGradGuard no_grad;
  for (auto& [name, dst] : targets) {
    const at::Tensor& src = sources.at(name);
    if (share && src.scalar_type() == dst.scalar_type() && src.device() == dst.device() && src.is_contiguous())
      dst.set_data(src);
    else
      dst.copy_(src);
  }
}

HostViews host_views(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  HostViews h;
  for (const auto& [name, t] : tensors) {
    at::Tensor c = t.detach().to(torch::kCPU).contiguous();
    h.keep.push_back(c);
    io::TensorView v;
    v.name = name;
    v.dtype = dtype_of(c.scalar_type());
    v.shape = c.sizes().vec();
    v.data = static_cast<const uint8_t*>(c.data_ptr());
    v.nbytes = c.numel() * c.element_size();
    h.views.push_back(v);
  }
  return h;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  io::write_safetensors(path, host_views(tensors).views, metadata);
}

}  // namespace grove::nn
