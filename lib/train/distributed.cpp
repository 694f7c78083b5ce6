// See distributed.h.
#include "train/distributed.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include <cstdlib>
#include <regex>

#include "core/error.h"

namespace grove::train {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*end || x < 0) throw Error(name, std::string("'") + v + "' is not a non-negative integer");
  return static_cast<int>(x);
}

}  // namespace

std::string first_host(const std::string& nodelist) {
  // The first comma-separated entry (commas inside brackets belong to it), its bracket range's first value.
  size_t depth = 0, end = nodelist.size();
  for (size_t i = 0; i < nodelist.size(); ++i) {
    if (nodelist[i] == '[') ++depth;
    else if (nodelist[i] == ']') --depth;
    else if (nodelist[i] == ',' && depth == 0) {
      end = i;
      break;
    }
  }
  const std::string first = nodelist.substr(0, end);
  const size_t open = first.find('[');
  if (open == std::string::npos) return first;
  std::string inside = first.substr(open + 1, first.find(']') - open - 1);
  inside = inside.substr(0, inside.find_first_of(",-"));
  return first.substr(0, open) + inside;
}

WorldInfo world_from_env() {
  WorldInfo w;
  if (env("WORLD_SIZE") || env("RANK")) {
    w.world = env_int("WORLD_SIZE", 1);
    w.rank = env_int("RANK", 0);
    w.local_rank = env_int("LOCAL_RANK", w.rank);
    w.source = "torchrun variables";
  } else if (env("SLURM_NTASKS") && env("SLURM_PROCID")) {
    w.world = env_int("SLURM_NTASKS", 1);
    w.rank = env_int("SLURM_PROCID", 0);
    w.local_rank = env_int("SLURM_LOCALID", 0);
    w.source = "SLURM";
    if (!env("MASTER_ADDR")) {
      const char* nodes = env("SLURM_JOB_NODELIST") ? env("SLURM_JOB_NODELIST") : env("SLURM_NODELIST");
      if (nodes) w.master_addr = first_host(nodes);
    }
  }
  if (env("MASTER_ADDR")) w.master_addr = env("MASTER_ADDR");
  w.master_port = env_int("MASTER_PORT", 29500);
  if (w.world < 1 || w.rank >= w.world)
    throw Error(w.source, "rank " + std::to_string(w.rank) + " outside a world of " + std::to_string(w.world));
  return w;
}

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string backend;
};

Communicator::Communicator(const WorldInfo& w, c10::Device device) : impl_(std::make_unique<Impl>()), world_(w) {
  if (w.world == 1) {
    impl_->backend = "none";
    return;
  }
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(w.master_port);
  opts.isServer = w.rank == 0;
  opts.numWorkers = w.world;
  opts.timeout = std::chrono::minutes(10);
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, opts);
    auto store = c10::make_intrusive<c10d::PrefixStore>("grove", impl_->store);
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, w.rank, w.world);
      impl_->backend = "nccl";
#else
      throw Error("--device", "this LibTorch has no NCCL: multi-GPU training needs a CUDA LibTorch built with it");
#endif
    } else {
      auto o = c10d::ProcessGroupGloo::Options::create();
      o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      o->timeout = std::chrono::minutes(10);
      impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, w.rank, w.world, o);
      impl_->backend = "gloo";
    }
  } catch (const c10::Error& e) {
    throw Error(w.master_addr + ":" + std::to_string(w.master_port),
                std::string("cannot join the process group: ") + e.what_without_backtrace());
  }
}

Communicator::~Communicator() = default;

std::string Communicator::backend() const { return impl_->backend; }

void Communicator::average(const std::vector<at::Tensor>& tensors) {
  if (world_.world == 1 || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.reshape({-1}).to(torch::kFloat));
  std::vector<at::Tensor> buffer{torch::cat(flat_parts)};
  impl_->group->allreduce(buffer)->wait();
  buffer[0].div_(world_.world);
  int64_t at = 0;
  for (const auto& t : tensors) {
    t.copy_(buffer[0].narrow(0, at, t.numel()).view(t.sizes()));
    at += t.numel();
  }
}

void Communicator::broadcast(const std::vector<at::Tensor>& tensors) {
  if (world_.world == 1 || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
    impl_->group->broadcast(one)->wait();
    if (!t.is_contiguous()) t.copy_(one[0]);
  }
}

std::vector<double> Communicator::sum(const std::vector<double>& values) {
  if (world_.world == 1 || values.empty()) return values;
  std::vector<at::Tensor> buffer{torch::tensor(values, torch::kDouble)};
  impl_->group->allreduce(buffer)->wait();
  return std::vector<double>(buffer[0].data_ptr<double>(), buffer[0].data_ptr<double>() + values.size());
}

void Communicator::barrier() {
  if (world_.world > 1) impl_->group->barrier()->wait();
}

}  // namespace grove::train
