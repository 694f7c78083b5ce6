#include "io/weights.h"

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "io/torch_checkpoint.h"
#include "io/zip.h"

namespace grove::io {

int64_t WeightInfo::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string weights_format(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path) || fs::path(path).extension() == ".json") return "safetensors-index";
  MappedFile f(path);
  if (ZipArchive::looks_like_zip(f)) return "torch-zip";
  if (f.size() >= 2 && f.data()[0] == 0x80 && f.data()[1] == 0x02) return "torch-legacy";
  if (f.size() >= 9 && f.data()[8] == '{') return "safetensors";
  throw Error(path, "not a weights file grove reads (safetensors, or a PyTorch checkpoint)");
}

std::vector<WeightInfo> list_weights(const std::string& path) {
  std::vector<WeightInfo> out;
  std::string format = weights_format(path);
  if (format == "safetensors" || format == "safetensors-index") {
    SafetensorsSet set(path);
    for (const auto& n : set.names()) out.push_back({n, set.get(n).dtype, set.get(n).shape});
  } else {
    for (const auto& t : read_torch_checkpoint(path).tensors) out.push_back({t.name, t.dtype, t.shape});
  }
  return out;
}

}  // namespace grove::io
