// Writes a flat state dict in PyTorch's torch.save zip format (what `torch.load` reads, and what the original
// GROVE code loads with `model.load_state_dict`): data.pkl is an OrderedDict of name -> _rebuild_tensor_v2 over
// one storage per tensor, each stored uncompressed and 64-byte aligned as torch.save does; ZIP64 past 4 GB.
#pragma once
#include <string>
#include <vector>

#include "io/safetensors.h"  // TensorView

namespace grove::io {

// Writes the tensors (row-major bytes, as TensorView holds them) to PATH atomically. 'archive' is the name of
// the folder inside the zip (torch.save uses the file's stem; any name loads).
void write_torch_state_dict(const std::string& path, const std::vector<TensorView>& tensors,
                            const std::string& archive = "archive");

}  // namespace grove::io
