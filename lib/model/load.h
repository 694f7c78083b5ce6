// A model directory as a runnable network: the Grove module built for its config.json directly in the dtype and
// on the device asked for (no initialisation, no float32 copy first), then its weights loaded by name, every name
// and shape checked. On the CPU, weights already in the wanted dtype are used in place from the memory-mapped
// files, so a model "loads" in milliseconds and its pages are shared between processes.
#pragma once
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "arch/model_dir.h"
#include "model/grove.h"

namespace grove::model {

struct LoadOptions {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::kFloat;
  bool share = true;  // use mapped weights in place where possible (read-only: false for training)
};

Grove load_grove(const arch::ModelDir& dir, const LoadOptions& options);

// "f32"/"float32", "bf16"/"bfloat16", "f16"/"float16" -> the dtype; throws grove::Error naming WHERE otherwise.
c10::ScalarType parse_dtype(const std::string& name, const std::string& where);
// "cpu", "cuda", "cuda:N" -> the device, checked to exist; throws grove::Error naming WHERE otherwise.
c10::Device parse_device(const std::string& name, const std::string& where);

}  // namespace grove::model
