// A model directory (design.md, grove-model(5)): config.json, the weights as safetensors named as in the original
// checkpoint (one model.safetensors, or shards with model.safetensors.index.json beyond a size), and the tokenizer
// (tokenizer.model and/or tokenizer.json, plus added_tokens.json). Opening one checks every tensor against the
// layout its config implies and reports every problem at once; writing one is atomic (a temporary directory
// renamed into place), so an interrupted conversion never leaves a half-written model behind.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arch/config.h"
#include "arch/layout.h"
#include "io/safetensors.h"
#include "io/weights.h"

namespace grove::arch {

// Every problem of a list of weights against the tensors expected: missing tensors, unexpected ones, wrong shapes,
// non-floating dtypes, one line each. Serves model directories (against the layout) and modules (their parameters).
std::vector<std::string> compare_weights(const std::vector<TensorSpec>& expected,
                                         const std::vector<io::WeightInfo>& weights);

// Every problem of a list of weights against the config's layout: missing tensors, unexpected ones, wrong
// shapes, non-floating dtypes. Empty when the weights are exactly what the network needs.
std::vector<std::string> check_weights(const Config& c, const std::vector<io::WeightInfo>& weights);

// "N problems with the weights: A; B; ... and K more" (the first 'shown' of them).
std::string summarize_problems(const std::vector<std::string>& problems, size_t shown = 12);

class ModelDir {
 public:
  // Opens PATH; throws grove::Error naming the directory and every problem found (unless 'check' is false, for
  // tools that only list what is there).
  explicit ModelDir(const std::string& path, bool check = true);
  const std::string& path() const { return path_; }
  const Config& config() const { return config_; }
  const io::SafetensorsSet& weights() const { return *weights_; }
  // PATH/NAME when that file exists, else "".
  std::string file(const std::string& name) const;
  // True when PATH looks like a model directory (holds config.json).
  static bool is_model_dir(const std::string& path);

 private:
  std::string path_;
  Config config_;
  std::unique_ptr<io::SafetensorsSet> weights_;
};

struct ModelWriteOptions {
  bool replace = false;                 // replace an existing directory (else: an error)
  uint64_t shard_bytes = 4ull << 30;    // start a new shard past this many bytes
  std::map<std::string, std::string> metadata;  // safetensors __metadata__ of every shard
  io::TensorFill fill;                          // makes the bytes of tensors given without data
};

// Writes a model directory at PATH: config.json, the tensors, 'texts' (file name -> content) and 'copies' (file
// name -> source path, e.g. a tokenizer.model). Atomic: PATH appears complete or not at all.
void write_model_dir(const std::string& path, const Config& config, const std::vector<io::TensorView>& tensors,
                     const std::map<std::string, std::string>& texts,
                     const std::map<std::string, std::string>& copies, const ModelWriteOptions& options = {});

}  // namespace grove::arch
