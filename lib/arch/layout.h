// The tensors a GROVE model is made of, derived from its config alone: every name (the original checkpoint's
// state-dict names, reference/model.md section 3.1), shape and group. Loaders, converters and `inspect` check
// weights against this list, and the LibTorch modules are tested to register exactly these parameters. The
// region encoder the original carries but never runs is not part of it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "arch/config.h"

namespace grove::arch {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  std::string group;  // "llm", "embed_tokens", "lm_head", "clip", "clip_adapters", "projector", "sam", ...
  int64_t numel() const;
};

// Every tensor of the network, in a fixed order (language model, CLIP, projector, SAM, text projection).
std::vector<TensorSpec> tensor_layout(const Config& c);

// The group a checkpoint name belongs to ("region_encoder" for the unused module's tensors; "" when unknown).
std::string tensor_group(const std::string& name);

// Names under the original's prefixes (the components of the network).
extern const char* const kClipPrefix;     // model.vision_tower.vision_tower.vision_model.
extern const char* const kSamPrefix;      // model.grounding_encoder.
extern const char* const kRegionPrefix;   // model.region_encoder.

// "[1, 32, 32, 1280]"
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace grove::arch
