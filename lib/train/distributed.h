// Data-parallel training across processes with c10d: who this process is (torchrun's RANK / WORLD_SIZE /
// LOCAL_RANK / MASTER_ADDR / MASTER_PORT, or SLURM's SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID and the first host
// of SLURM_JOB_NODELIST), a TCPStore rendezvous, and the collectives training needs: Gloo on CPUs, NCCL on GPUs
// (when LibTorch was built with it).
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

namespace grove::train {

struct WorldInfo {
  int rank = 0, world = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single process";  // "torchrun variables", "SLURM", ...
};

// From the environment; a single process when none of the variables is set. Throws grove::Error on bad values.
WorldInfo world_from_env();

// The first host of a SLURM node list: "node[03-05,9],gpu1" -> "node03".
std::string first_host(const std::string& nodelist);

class Communicator {
 public:
  // Joins the process group (rank 0 serves the store). A world of 1 needs no network and does nothing.
  Communicator(const WorldInfo& w, c10::Device device);
  ~Communicator();

  const WorldInfo& world() const { return world_; }
  // Every tensor replaced by the mean over ranks (one flat buffer a call).
  void average(const std::vector<at::Tensor>& tensors);
  // Every tensor replaced by rank 0's.
  void broadcast(const std::vector<at::Tensor>& tensors);
  // Sums of doubles over ranks (losses, counts for logs).
  std::vector<double> sum(const std::vector<double>& values);
  void barrier();
  std::string backend() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  WorldInfo world_;
};

}  // namespace grove::train
