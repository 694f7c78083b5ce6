#include "arch/import.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <filesystem>
#include <fstream>
#include <regex>

#include "arch/layout.h"
#include "core/error.h"
#include "core/strings.h"
#include "core/version.h"

namespace grove::arch {

std::vector<io::TensorView> Imported::views() const {
  std::vector<io::TensorView> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back(t.view);
  return out;
}

// ---- resampling, as PyTorch's upsample_bicubic2d computes it ----------------------------------------------------

namespace {

struct Taps {
  int64_t index[4];
  float weight[4];
};

std::vector<Taps> cubic_taps(int64_t in, int64_t out, bool align_corners) {
  // The scale is a float, the source position a double (PyTorch's CPU accumulation type), the rest float: this
  // reproduces F.interpolate to float rounding (tests/data/arch/resize.pt).
  const float A = -0.75f;
  const float scale = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                    : static_cast<float>(in) / static_cast<float>(out);
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double src = align_corners ? static_cast<double>(scale) * static_cast<double>(o)
                               : static_cast<double>(scale) * (static_cast<double>(o) + 0.5) - 0.5;
    int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    float t = static_cast<float>(std::min(std::max(src - static_cast<double>(i0), 0.0), 1.0));
    auto& k = taps[static_cast<size_t>(o)];
    float x1 = t + 1, x2 = 1 - t, x3 = 2 - t;
    k.weight[0] = ((A * x1 - 5 * A) * x1 + 8 * A) * x1 - 4 * A;
    k.weight[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
    k.weight[2] = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
    k.weight[3] = ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A;
    for (int j = 0; j < 4; ++j) k.index[j] = std::max<int64_t>(0, std::min(i0 - 1 + j, in - 1));
  }
  return taps;
}

}  // namespace

std::vector<float> bicubic_resize_hwc(const std::vector<float>& x, int64_t h, int64_t w, int64_t c, int64_t oh,
                                      int64_t ow, bool align_corners) {
  if (static_cast<int64_t>(x.size()) != h * w * c) throw Error("bicubic_resize", "input size does not match its shape");
  const auto ty = cubic_taps(h, oh, align_corners), tx = cubic_taps(w, ow, align_corners);
  std::vector<float> out(static_cast<size_t>(oh * ow * c));
  auto at = [&](int64_t y, int64_t xx, int64_t ch) { return x[static_cast<size_t>((y * w + xx) * c + ch)]; };
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t ch = 0; ch < c; ++ch) {
        const Taps &ky = ty[static_cast<size_t>(oy)], &kx = tx[static_cast<size_t>(ox)];
        float acc = 0;
        for (int i = 0; i < 4; ++i) {  // along the height first, then the width
          float col = at(ky.index[0], kx.index[i], ch) * ky.weight[0];
          for (int j = 1; j < 4; ++j) col += at(ky.index[j], kx.index[i], ch) * ky.weight[j];
          acc = i == 0 ? col * kx.weight[0] : acc + col * kx.weight[i];
        }
        out[static_cast<size_t>((oy * ow + ox) * c + ch)] = acc;
      }
  return out;
}

// ---- assembling a model's tensors ---------------------------------------------------------------------------

namespace {

// The GROVE name of a source tensor; "" when GROVE has no use for it.
std::string map_name(SourceKind kind, std::string name) {
  for (const char* prefix : {"module.", "base_model.model."})
    if (name.compare(0, std::strlen(prefix), prefix) == 0) name = name.substr(std::strlen(prefix));
  auto starts = [&](const char* p) { return name.compare(0, std::strlen(p), p) == 0; };
  switch (kind) {
    case SourceKind::Grove:
      return name;
    case SourceKind::Clip:
      if (starts(kClipPrefix)) return name;
      return starts("vision_model.") ? std::string(kClipPrefix) + name.substr(13) : "";
    case SourceKind::Sam:
      if (starts(kSamPrefix)) return name;
      if (starts("image_encoder.") || starts("prompt_encoder.") || starts("mask_decoder.")) return kSamPrefix + name;
      return "";
  }
  return "";
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

// Uniform values in [-bound, bound) from splitmix64: fast enough for billions of elements, seeded per tensor name
// so a tensor's values do not depend on the order tensors are made in.
void fill_uniform(float* dst, size_t n, float bound, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = 0; i < n; ++i) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    dst[i] = bound * (static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f);
  }
}

// PyTorch's default initialisation of Linear and Conv layers: weight and bias uniform in +-1/sqrt(fan_in)
// (kaiming_uniform with a = sqrt(5) gives that same bound); an adapter's alpha starts at 0.
// The shape that sets a tensor's initialisation: a bias's is its weight's (found in layout), any other's its own.
std::vector<int64_t> governing_shape(const std::string& name, const std::vector<int64_t>& shape,
                                     const std::vector<TensorSpec>& layout) {
  if (ends_with(name, ".bias")) {
    const std::string w = name.substr(0, name.size() - 5) + ".weight";
    for (const auto& s : layout)
      if (s.name == w) return s.shape;
  }
  return shape;
}

float default_init_bound(const std::string& name, const std::vector<int64_t>& shape, const std::vector<TensorSpec>& layout) {
  if (ends_with(name, ".alpha")) return 0.0f;
  const std::vector<int64_t> weight_shape = governing_shape(name, shape, layout);
  int64_t fan_in = 1;
  for (size_t d = 1; d < weight_shape.size(); ++d) fan_in *= weight_shape[d];
  return 1.0f / std::sqrt(static_cast<float>(fan_in));
}

std::vector<float> fresh_values(const TensorSpec& spec, const std::vector<TensorSpec>& layout, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(spec.numel()));
  fill_uniform(v.data(), v.size(), default_init_bound(spec.name, spec.shape, layout), seed ^ fnv1a(spec.name));
  return v;
}

bool is_fresh_group(const std::string& group) {
  return group == "sam_adapters" || group == "clip_adapters" || group == "box_heads";
}

}  // namespace

Imported import_weights(const Config& c, const std::vector<Source>& sources, const ImportOptions& options) {
  Imported result;
  ImportReport& report = result.report;
  const auto layout = tensor_layout(c);
  std::map<std::string, const TensorSpec*> by_name;
  for (const auto& s : layout) by_name[s.name] = &s;

  // Where each layout tensor comes from: the first source that holds it.
  struct Origin {
    size_t file;
    std::string stored_name;
  };
  std::map<std::string, Origin> origin;
  for (const auto& src : sources) {
    auto file = std::make_shared<io::WeightFile>(src.path);
    result.files.push_back(file);
    for (const auto& w : file->tensors()) {
      std::string name = map_name(src.kind, w.name);
      if (name.compare(0, std::strlen(kRegionPrefix), kRegionPrefix) == 0) {
        ++report.dropped_region_encoder;
      } else if (name.empty()) {
        ++report.ignored;
      } else if (!by_name.count(name)) {
        report.unexpected.push_back(src.path + ": " + w.name);
      } else if (!origin.count(name)) {
        origin[name] = {result.files.size() - 1, w.name};
      }
    }
  }

  const std::regex global_rel_pos(R"(image_encoder\.blocks\.\d+\.attn\.rel_pos_[hw]$)");
  for (const auto& spec : layout) {
    ImportedTensor t;
    t.view.name = spec.name;
    t.view.shape = spec.shape;
    auto set_floats = [&](const std::vector<float>& values, io::DType dtype) {
      t.owned = io::from_float(values.data(), values.size(), dtype);
      t.view.dtype = dtype;
      t.view.data = t.owned.data();
      t.view.nbytes = t.owned.size();
    };

    if (options.fresh_new_layers && is_fresh_group(spec.group)) {
      set_floats(fresh_values(spec, layout, options.seed), options.dtype.value_or(io::DType::F32));
      report.fresh.push_back(spec.name);
      result.tensors.push_back(std::move(t));
      continue;
    }
    auto it = origin.find(spec.name);
    if (it == origin.end()) {
      report.missing.push_back(spec.name + " " + shape_string(spec.shape));
      continue;
    }
    const io::WeightFile& file = *result.files[it->second.file];
    std::vector<uint8_t> scratch;
    io::TensorView v = file.view(it->second.stored_name, scratch);
    const std::string from = file.path() + ": " + it->second.stored_name;
    ++report.taken[file.path()];

    if (v.shape != spec.shape) {
      const std::string change = spec.name + " " + shape_string(v.shape) + " -> " + shape_string(spec.shape);
      const bool floating = io::is_floating(v.dtype);
      if (floating && spec.name == std::string(kSamPrefix) + "image_encoder.pos_embed" && v.shape.size() == 4 &&
          v.shape[0] == 1 && v.shape[3] == spec.shape[3]) {
        set_floats(bicubic_resize_hwc(io::to_float(v), v.shape[1], v.shape[2], v.shape[3], spec.shape[1],
                                      spec.shape[2], false),
                   v.dtype);
        report.changed.push_back(change + " (bicubic)");
      } else if (floating && std::regex_search(spec.name, global_rel_pos) && v.shape.size() == 2 &&
                 v.shape[1] == spec.shape[1]) {
        set_floats(bicubic_resize_hwc(io::to_float(v), v.shape[0], 1, v.shape[1], spec.shape[0], 1, true), v.dtype);
        report.changed.push_back(change + " (bicubic, align_corners)");
      } else if (floating && (spec.group == "embed_tokens" || spec.group == "lm_head") && v.shape.size() == 2 &&
                 v.shape[1] == spec.shape[1] && v.shape[0] > 0 && v.shape[0] < spec.shape[0]) {
        std::vector<float> rows = io::to_float(v);
        const int64_t n = v.shape[0], d = v.shape[1];
        std::vector<double> mean(static_cast<size_t>(d), 0.0);
        for (int64_t r = 0; r < n; ++r)
          for (int64_t k = 0; k < d; ++k) mean[static_cast<size_t>(k)] += rows[static_cast<size_t>(r * d + k)];
        for (int64_t r = n; r < spec.shape[0]; ++r)
          for (int64_t k = 0; k < d; ++k) rows.push_back(static_cast<float>(mean[static_cast<size_t>(k)] / n));
        set_floats(rows, v.dtype);
        report.changed.push_back(change + " (new rows: the mean of the old ones)");
      } else {
        report.mismatched.push_back(from + " has shape " + shape_string(v.shape) + ", expected " +
                                    shape_string(spec.shape));
        continue;
      }
    } else if (!scratch.empty()) {
      t.owned = std::move(scratch);
      t.view = v;
      t.view.name = spec.name;
      t.view.data = t.owned.data();
    } else {
      t.view = v;
      t.view.name = spec.name;
    }
    if (options.dtype && t.view.dtype != *options.dtype) {
      if (!io::is_floating(t.view.dtype)) {
        report.mismatched.push_back(from + " has dtype " + io::dtype_name(t.view.dtype));
        continue;
      }
      std::vector<uint8_t> converted = io::convert_dtype(t.view, *options.dtype);
      t.owned = std::move(converted);
      t.view.dtype = *options.dtype;
      t.view.data = t.owned.data();
      t.view.nbytes = t.owned.size();
    }
    result.tensors.push_back(std::move(t));
  }
  return result;
}

}  // namespace grove::arch

namespace grove::arch {

TokenizerFiles prepare_tokenizer(const std::string& dir, const Config& c) {
  namespace fs = std::filesystem;
  TokenizerFiles out;
  if (!fs::is_directory(dir)) throw Error(dir, "not a directory (expected a tokenizer folder, e.g. the GLaMM download)");
  for (const char* f : {"tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    if (fs::exists(fs::path(dir) / f)) out.copies[f] = (fs::path(dir) / f).string();
  if (!out.copies.count("tokenizer.model") && !out.copies.count("tokenizer.json"))
    throw Error(dir, "holds neither tokenizer.model nor tokenizer.json");

  io::Record added = io::Record::object();
  fs::path added_path = fs::path(dir) / "added_tokens.json";
  if (fs::exists(added_path)) {
    std::ifstream in(added_path);
    added = io::Record::parse(in, nullptr, false);
    if (added.is_discarded() || !added.is_object()) throw Error(added_path.string(), "not a JSON object of token -> id");
  }
  int64_t next = -1;
  for (const auto& [token, id] : added.items()) {
    if (!id.is_number_integer()) throw Error(added_path.string(), "the id of " + token + " is not an integer");
    next = std::max(next, id.get<int64_t>());
  }
  if (next < 0) next = c.tokens.vid_start - 1;  // no added tokens yet: GROVE's come right after the base vocabulary
  const Config::TokenNames names = c.token_names();
  for (const char* token : {names.start, names.end, names.query})
    if (!added.contains(token)) added[token] = ++next;
  auto expect = [&](const char* token, int64_t id) {
    if (added.contains(token) && added[token].get<int64_t>() != id)
      throw Error(dir, std::string(token) + " has id " + added[token].dump() + " in this tokenizer but " +
                           std::to_string(id) + " in the model config");
  };
  expect("<p>", c.tokens.p_open);
  expect("</p>", c.tokens.p_close);
  expect(names.start, c.tokens.vid_start);
  expect(names.end, c.tokens.vid_end);
  expect(names.query, c.tokens.det);
  for (const auto& [token, id] : added.items())
    if (id.get<int64_t>() >= c.llama.vocab_size)
      throw Error(dir, token + " has id " + id.dump() + ", outside the model's vocabulary of " +
                           std::to_string(c.llama.vocab_size));
  out.texts["added_tokens.json"] = added.dump(2) + "\n";
  return out;
}

Config find_config(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (fs::exists(name_or_path)) return load_config(name_or_path);
  fs::path shipped = fs::path(data_dir()) / "configs" / (name_or_path + ".json");
  if (name_or_path.find('/') == std::string::npos && fs::exists(shipped)) return load_config(shipped.string());
  throw Error(name_or_path, "no such config file, nor a shipped config of that name (see " +
                                (fs::path(data_dir()) / "configs").string() + ")");
}

}  // namespace grove::arch

namespace grove::arch {

std::vector<io::TensorView> random_layout(const Config& c, io::DType dtype) {
  std::vector<io::TensorView> out;
  for (const auto& s : tensor_layout(c))
    out.push_back({s.name, dtype, s.shape, nullptr, static_cast<size_t>(s.numel()) * io::dtype_size(dtype)});
  return out;
}

namespace {

// Standard normal values from the same splitmix64 stream (Box-Muller on pairs of uniforms).
void fill_normal(float* dst, size_t n, uint64_t seed) {
  std::vector<float> u(n + (n & 1));
  fill_uniform(u.data(), u.size(), 1.0f, seed);
  for (size_t i = 0; i < n; i += 2) {
    const float a = std::max(0.5f * (u[i] + 1.0f), 1e-7f), b = 0.5f * (u[i + 1] + 1.0f);
    const float r = std::sqrt(-2.0f * std::log(a)), t = 6.2831853f * b;
    dst[i] = r * std::cos(t);
    if (i + 1 < n) dst[i + 1] = r * std::sin(t);
  }
}

enum class Kind { Uniform, Ones, Zeros, Normal };

// What the original's modules hold when built afresh, part by part:
//   - the LLaVA side (LLaMA, its embeddings and head, the projector, text_hidden_fcs): Hugging Face's post_init,
//     every Linear and Embedding N(0, 0.02) with zero biases;
//   - CLIP: Hugging Face's CLIP init (patch and position embeddings N(0, 0.02), class embedding N(0, d^-1/2),
//     attention in-projections N(0, d^-1/2 (2L)^-1/2), out-projection N(0, d^-1/2), fc1 N(0, (2d)^-1/2), fc2 like the
//     in-projections, zero biases);
//   - SAM and the adapters: torch.nn's Linear/Conv bounds (biases by the fan-in of their weight), nn.Embedding
//     tokens and the Fourier matrix N(0, 1), relative positions 0, alpha 0. SAM's pos_embed, zeros in SAM (which is
//     never trained from scratch), is N(0, 1): an image encoder that starts from nothing needs positions.
//   Norms everywhere start at 1 and 0.
struct Rule {
  Kind kind;
  float scale;  // the uniform bound or the normal's standard deviation
};

Rule scratch_rule(const std::string& name, const std::vector<int64_t>& shape, const std::vector<TensorSpec>& layout,
                  const Config& c) {
  const bool bias = ends_with(name, ".bias");
  if (bias && governing_shape(name, shape, layout).size() == 1) return {Kind::Zeros, 0};  // a norm's shift
  if (!bias && ends_with(name, ".weight") && shape.size() == 1) return {Kind::Ones, 0};   // a norm's scale
  if (ends_with(name, ".alpha") || name.find(".rel_pos_") != std::string::npos) return {Kind::Zeros, 0};
  const bool adapter = name.find(".adapters.") != std::string::npos;
  if (!adapter && name.find("vision_tower.") != std::string::npos) {  // CLIP
    const float d = static_cast<float>(c.clip.hidden_size), layers = static_cast<float>(c.clip.num_hidden_layers);
    const float in_std = 1.0f / std::sqrt(d) / std::sqrt(2.0f * layers);
    if (bias) return {Kind::Zeros, 0};
    if (ends_with(name, "class_embedding")) return {Kind::Normal, 1.0f / std::sqrt(d)};
    if (ends_with(name, "out_proj.weight")) return {Kind::Normal, 1.0f / std::sqrt(d)};
    if (ends_with(name, "fc1.weight")) return {Kind::Normal, 1.0f / std::sqrt(2.0f * d)};
    if (ends_with(name, "_proj.weight") || ends_with(name, "fc2.weight")) return {Kind::Normal, in_std};
    return {Kind::Normal, 0.02f};  // patch and position embeddings
  }
  if (name.find("grounding_encoder.") == std::string::npos && !adapter) {  // the LLaVA side
    if (bias) return {Kind::Zeros, 0};
    return {Kind::Normal, 0.02f};
  }
  if (ends_with(name, "positional_encoding_gaussian_matrix") || ends_with(name, "pos_embed")) return {Kind::Normal, 1};
  for (const char* table : {"iou_token.weight", "mask_tokens.weight", "not_a_point_embed.weight", "no_mask_embed.weight"})
    if (ends_with(name, table)) return {Kind::Normal, 1};
  if (name.find("point_embeddings.") != std::string::npos) return {Kind::Normal, 1};
  return {Kind::Uniform, default_init_bound(name, shape, layout)};
}

}  // namespace

io::TensorFill random_fill(uint64_t seed, RandomInit init, const Config& c) {
  std::vector<TensorSpec> layout;
  if (init == RandomInit::Scratch) layout = tensor_layout(c);
  return [seed, init, layout, c](const io::TensorView& t, uint8_t* dst) {
    const size_t n = static_cast<size_t>(t.numel());
    const Rule rule = init == RandomInit::Scratch ? scratch_rule(t.name, t.shape, layout, c)
                                                  : Rule{Kind::Uniform, default_init_bound(t.name, t.shape, {})};
    const size_t chunk = 1 << 20;  // convert in pieces: no float copy of a whole 500 MB tensor
    std::vector<float> buf(std::min(n, chunk));
    for (size_t done = 0; done < n; done += chunk) {
      const size_t k = std::min(chunk, n - done);
      const uint64_t s = (seed ^ fnv1a(t.name)) + done;
      switch (rule.kind) {
        case Kind::Uniform: fill_uniform(buf.data(), k, rule.scale, s); break;
        case Kind::Normal:
          fill_normal(buf.data(), k, s);
          for (size_t i = 0; i < k; ++i) buf[i] *= rule.scale;
          break;
        case Kind::Ones: std::fill(buf.begin(), buf.begin() + k, 1.0f); break;
        case Kind::Zeros: std::fill(buf.begin(), buf.begin() + k, 0.0f); break;
      }
      auto bytes = io::from_float(buf.data(), k, t.dtype);
      std::memcpy(dst + done * io::dtype_size(t.dtype), bytes.data(), bytes.size());
    }
  };
}

}  // namespace grove::arch
