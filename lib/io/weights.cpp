#include "io/weights.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/strings.h"
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
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / "model.safetensors") || fs::exists(fs::path(path) / "model.safetensors.index.json"))
      return "safetensors-index";
    if (fs::exists(fs::path(path) / "pytorch_model.bin.index.json")) return "torch-index";
    if (fs::exists(fs::path(path) / "pytorch_model.bin")) return weights_format((fs::path(path) / "pytorch_model.bin").string());
    throw Error(path, "holds no weights grove reads (model.safetensors[.index.json], pytorch_model.bin[.index.json])");
  }
  if (ends_with(path, ".bin.index.json")) return "torch-index";
  if (fs::path(path).extension() == ".json") return "safetensors-index";
  MappedFile f(path);
  if (ZipArchive::looks_like_zip(f)) return "torch-zip";
  if (f.size() >= 2 && f.data()[0] == 0x80 && f.data()[1] == 0x02) return "torch-legacy";
  if (f.size() >= 9 && f.data()[8] == '{') return "safetensors";
  throw Error(path, "not a weights file grove reads (safetensors, or a PyTorch checkpoint)");
}

std::vector<WeightInfo> list_weights(const std::string& path) { return WeightFile(path).tensors(); }

std::vector<WeightInfo> list_weights(const SafetensorsSet& set) {
  std::vector<WeightInfo> out;
  out.reserve(set.names().size());
  for (const auto& n : set.names()) out.push_back({n, set.get(n).dtype, set.get(n).shape});
  return out;
}

struct WeightFile::Impl {
  std::unique_ptr<SafetensorsSet> set;
  std::vector<Checkpoint> checkpoints;              // one, or the shards of a pytorch_model.bin.index.json
  std::vector<const CheckpointTensor*> tensors;     // parallel to infos_
};

WeightFile::WeightFile(const std::string& path) : path_(path), format_(weights_format(path)), impl_(new Impl) {
  namespace fs = std::filesystem;
  if (format_ == "safetensors" || format_ == "safetensors-index") {
    impl_->set = std::make_unique<SafetensorsSet>(path);
    infos_ = list_weights(*impl_->set);
  } else {
    ShardIndex index;
    if (format_ == "torch-index")
      index = read_shard_index(fs::is_directory(path) ? (fs::path(path) / "pytorch_model.bin.index.json").string() : path);
    else
      index.files.push_back(fs::is_directory(path) ? (fs::path(path) / "pytorch_model.bin").string() : path);
    for (const auto& f : index.files) impl_->checkpoints.push_back(read_torch_checkpoint(f));
    for (const auto& ck : impl_->checkpoints)
      for (const auto& t : ck.tensors) {
        if (index_.count(t.name)) throw Error(path, "tensor " + t.name + " appears in two shards");
        index_[t.name] = infos_.size();
        infos_.push_back({t.name, t.dtype, t.shape});
        impl_->tensors.push_back(&t);
      }
    for (const auto& [tensor, shard] : index.shard_of)
      if (!index_.count(tensor)) throw Error(path, "the index names \"" + tensor + "\" but " + shard + " lacks it");
    return;
  }
  for (size_t i = 0; i < infos_.size(); ++i) index_[infos_[i].name] = i;
}

WeightFile::~WeightFile() = default;
WeightFile::WeightFile(WeightFile&&) noexcept = default;

const WeightInfo* WeightFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &infos_[it->second];
}

TensorView WeightFile::view(const std::string& name, std::vector<uint8_t>& scratch) const {
  if (!find(name)) throw Error(path_, "no tensor named '" + name + "'");
  if (impl_->set) return impl_->set->get(name);
  const CheckpointTensor& t = *impl_->tensors[index_.at(name)];
  TensorView v{t.name, t.dtype, t.shape, nullptr, static_cast<size_t>(t.numel()) * dtype_size(t.dtype)};
  if (t.is_contiguous()) {
    v.data = t.storage->data + static_cast<size_t>(t.offset) * dtype_size(t.dtype);
  } else {
    scratch = t.contiguous_bytes();
    v.data = scratch.data();
  }
  return v;
}

// ---- dtype conversion ----------------------------------------------------------------------------------------

bool is_floating(DType d) { return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16; }

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
  } else if (exp == 31) {
    f = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    f = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= sign;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;  // rounds to infinity
  if (a < std::ldexp(1.0f, -14)) {          // subnormal: a multiple of 2^-24, rounded to nearest even
    return sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  }
  int e;
  float m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  uint32_t mant = static_cast<uint32_t>(std::nearbyint(std::ldexp(m, 11)));  // 11 significant bits
  if (mant == 2048) {
    mant = 1024;
    ++e;
  }
  return sign | static_cast<uint16_t>(((e + 14) << 10) | (mant & 0x3ff));
}

uint16_t float_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  x += 0x7fffu + ((x >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(x >> 16);
}

float bf16_to_float(uint16_t b) {
  uint32_t x = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

void require_floating(DType d) {
  if (!is_floating(d)) throw Error("", std::string("dtype ") + dtype_name(d) + " is not a floating-point type");
}

}  // namespace

std::vector<float> to_float(const TensorView& v) {
  require_floating(v.dtype);
  const size_t n = static_cast<size_t>(v.numel());
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    switch (v.dtype) {
      case DType::F64: { double d; std::memcpy(&d, v.data + 8 * i, 8); out[i] = static_cast<float>(d); break; }
      case DType::F32: std::memcpy(&out[i], v.data + 4 * i, 4); break;
      case DType::F16: { uint16_t h; std::memcpy(&h, v.data + 2 * i, 2); out[i] = half_to_float(h); break; }
      default: { uint16_t b; std::memcpy(&b, v.data + 2 * i, 2); out[i] = bf16_to_float(b); break; }
    }
  }
  return out;
}

std::vector<uint8_t> from_float(const float* data, size_t n, DType to) {
  require_floating(to);
  std::vector<uint8_t> out(n * dtype_size(to));
  for (size_t i = 0; i < n; ++i) {
    switch (to) {
      case DType::F64: { double d = data[i]; std::memcpy(&out[8 * i], &d, 8); break; }
      case DType::F32: std::memcpy(&out[4 * i], &data[i], 4); break;
      case DType::F16: { uint16_t h = float_to_half(data[i]); std::memcpy(&out[2 * i], &h, 2); break; }
      default: { uint16_t b = float_to_bf16(data[i]); std::memcpy(&out[2 * i], &b, 2); break; }
    }
  }
  return out;
}

std::vector<uint8_t> convert_dtype(const TensorView& v, DType to) {
  if (v.dtype == to) return std::vector<uint8_t>(v.data, v.data + v.nbytes);
  std::vector<float> f = to_float(v);
  return from_float(f.data(), f.size(), to);
}

}  // namespace grove::io
