// The model's architecture without LibTorch: configs, the tensor layout (checked against the reference's counts
// for the 7B model and against the golden fixtures' own tensor names), PyTorch's bicubic resize (checked against
// F.interpolate's output, tests/data/arch/resize.pt), importing weights into a model directory, and export.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "arch/config.h"
#include "arch/import.h"
#include "arch/layout.h"
#include "arch/model_dir.h"
#include "core/error.h"
#include "io/torch_checkpoint.h"
#include "io/torch_save.h"
#include "io/weights.h"
#include "test_util.h"

using namespace grove;
using namespace grove::arch;
namespace fs = std::filesystem;

namespace {

Config shipped(const std::string& name) { return load_config(test::source_path("share/grove/configs/" + name + ".json")); }

std::string golden(const std::string& name) {
  const char* dir = std::getenv("GROVE_GOLDEN_DIR");
  return (dir ? std::string(dir) : test::source_path("../shared/fixtures/golden")) + "/" + name;
}

// Random float tensors, owned, for building weight files in tests.
struct Tensors {
  std::vector<std::pair<std::string, std::vector<float>>> data;
  std::vector<std::vector<int64_t>> shapes;
  void add(const std::string& name, std::vector<int64_t> shape, uint64_t seed) {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::normal_distribution<float> d;
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(rng);
    data.emplace_back(name, std::move(v));
    shapes.push_back(std::move(shape));
  }
  std::vector<io::TensorView> views() const {
    std::vector<io::TensorView> out;
    for (size_t i = 0; i < data.size(); ++i)
      out.push_back({data[i].first, io::DType::F32, shapes[i], reinterpret_cast<const uint8_t*>(data[i].second.data()),
                     data[i].second.size() * 4});
    return out;
  }
};

std::map<std::string, int64_t> params_by_group(const std::vector<TensorSpec>& layout, std::map<std::string, size_t>* n) {
  std::map<std::string, int64_t> out;
  for (const auto& s : layout) {
    out[s.group] += s.numel();
    if (n) ++(*n)[s.group];
  }
  return out;
}

}  // namespace

TEST(Config, ShippedSevenBIsTheDefaultAndRoundTrips) {
  Config c = shipped("grove-7b");
  EXPECT_EQ(to_json(c), to_json(Config{}));
  EXPECT_EQ(to_json(parse_config(to_json(c), "round trip")), to_json(c));
  EXPECT_EQ(c.llama.head_dim(), 128);
  EXPECT_EQ(c.clip.num_adapters(), 8);
  EXPECT_EQ(c.sam.grid(), 32);
}

TEST(Config, RefusesUnknownKeysAndInconsistentSizes) {
  io::Record j = to_json(Config{});
  j["llama"]["hiden_size"] = 8;
  EXPECT_THROW(parse_config(j, "x"), Error);
  j = to_json(Config{});
  j["llama"]["num_attention_heads"] = 30;  // 4096 % 30 != 0
  EXPECT_THROW(parse_config(j, "x"), Error);
  j = to_json(Config{});
  j["clip"]["adapter_grid"] = {16, 35};
  EXPECT_THROW(parse_config(j, "x"), Error);
  j = to_json(Config{});
  j["tokens"]["det"] = 40000;
  EXPECT_THROW(parse_config(j, "x"), Error);
  j = to_json(Config{});
  j["format_version"] = 2;
  EXPECT_THROW(parse_config(j, "x"), Error);
  try {
    io::Record k = to_json(Config{});
    k["sam"]["depht"] = 4;
    parse_config(k, "cfg.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("depht"), std::string::npos) << e.what();
  }
}

// reference/model.md section 3.1: 1369 tensors in a released checkpoint, of which 43 are the region encoder's.
TEST(Layout, SevenBMatchesTheReleasedCheckpointsCounts) {
  const auto layout = tensor_layout(shipped("grove-7b"));
  EXPECT_EQ(layout.size(), 1369u - 43u);
  std::map<std::string, size_t> n;
  auto p = params_by_group(layout, &n);
  EXPECT_EQ(n["lm_head"], 1u);
  EXPECT_EQ(p["lm_head"], 32010LL * 4096);
  EXPECT_EQ(n["embed_tokens"], 1u);
  EXPECT_EQ(n["llm"], 288u + 1u);  // 32 decoder layers and the final norm
  EXPECT_NEAR(p["llm"] / 1e6, 6476.3, 0.1);
  EXPECT_EQ(n["projector"], 4u);
  EXPECT_NEAR(p["projector"] / 1e6, 21.0, 0.05);
  EXPECT_EQ(n["text_proj"], 4u);
  EXPECT_NEAR(p["text_proj"] / 1e6, 17.8, 0.05);
  EXPECT_EQ(n["clip"], 391u);
  EXPECT_NEAR(p["clip"] / 1e6, 303.5, 0.05);
  EXPECT_EQ(n["clip_adapters"], 24u);
  EXPECT_NEAR(p["clip_adapters"] / 1e6, 226.5, 0.05);
  EXPECT_EQ(n["sam"], 457u);
  EXPECT_NEAR(p["sam"] / 1e6, 633.1, 0.05);
  EXPECT_EQ(n["sam_adapters"], 12u);
  EXPECT_NEAR(p["sam_adapters"] / 1e6, 177.0, 0.05);
  EXPECT_EQ(n["prompt_encoder"], 17u);
  EXPECT_EQ(n["mask_decoder"] + n["box_heads"], 126u);
  EXPECT_NEAR((p["mask_decoder"] + p["box_heads"]) / 1e6, 4.1, 0.05);
  int64_t total = 0;
  for (const auto& [g, k] : p) total += k;
  EXPECT_NEAR(total / 1e9, 8.12, 0.01);
  std::set<std::string> names;
  for (const auto& s : layout) {
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate " << s.name;
    EXPECT_EQ(tensor_group(s.name), s.group) << s.name;
  }
}

// The golden fixtures hold the original code's own state-dict names and shapes for a small configuration.
TEST(Layout, EqualsTheOriginalsStateDictOnTheGoldenConfig) {
  if (!fs::exists(golden("forward_seed0.safetensors"))) GTEST_SKIP() << "no golden fixtures at " << golden("");
  io::SafetensorsFile f(golden("forward_seed0.safetensors"));
  std::map<std::string, std::vector<int64_t>> theirs, ours;
  for (const auto& n : f.names())
    if (n.rfind("input.", 0) != 0 && n.rfind("output.", 0) != 0) theirs[n] = f.get(n).shape;
  for (const auto& s : tensor_layout(shipped("golden-tiny"))) ours[s.name] = s.shape;
  EXPECT_EQ(ours.size(), theirs.size());
  for (const auto& [name, shape] : theirs) {
    ASSERT_TRUE(ours.count(name)) << "layout lacks " << name;
    EXPECT_EQ(ours[name], shape) << name;
  }
  for (const auto& [name, shape] : ours) EXPECT_TRUE(theirs.count(name)) << "layout has extra " << name;
}

TEST(Resize, BicubicEqualsTorchInterpolate) {
  auto ck = io::read_torch_checkpoint(test::source_path("tests/data/arch/resize.pt"));
  auto floats = [&](const char* name) {
    const auto* t = ck.find(name);
    EXPECT_NE(t, nullptr) << name;
    auto bytes = t->contiguous_bytes();
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  };
  auto worst = [](const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double w = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) w = std::max(w, std::fabs(double(a[i]) - b[i]));
    return w;
  };
  EXPECT_LT(worst(bicubic_resize_hwc(floats("pos_in"), 64, 64, 5, 32, 32, false), floats("pos_out")), 2e-6);
  EXPECT_LT(worst(bicubic_resize_hwc(floats("rel_in"), 127, 1, 6, 63, 1, true), floats("rel_out")), 2e-6);
  // Upscaling overshoots (values up to ~3 here) and PyTorch's own float result is ~1e-6 from exact arithmetic.
  EXPECT_LT(worst(bicubic_resize_hwc(floats("up_in"), 7, 9, 3, 12, 20, false), floats("up_out")), 5e-6);
}

TEST(Weights, FloatConversionsRoundToNearestEven) {
  const float values[] = {1.0f, -2.5f, 3.14159265f, 65504.0f, 1e-7f, 0.0f, -0.0f, 1.00390625f};
  for (auto to : {io::DType::BF16, io::DType::F16}) {
    auto bytes = io::from_float(values, 8, to);
    io::TensorView v{"x", to, {8}, bytes.data(), bytes.size()};
    auto back = io::to_float(v);
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(back[i], values[i], std::fabs(values[i]) * (to == io::DType::BF16 ? 4e-3 : 5e-4) + 6e-8);
  }
  // 1 + 2^-8 lies halfway between two bf16 values: ties go to the even one (1.0).
  auto b = io::from_float(&values[7], 1, io::DType::BF16);
  EXPECT_EQ(b[0] | (b[1] << 8), 0x3f80);
}

namespace {

// Weights as the downloads hold them, for the small golden configuration: a GLaMM-like file (SAM still at its
// 1024 px grid, the vocabulary 3 short, the region encoder present, no box heads), a CLIP download, SAM's .pth.
struct Downloads {
  test::TempDir dir;
  Config config = shipped("golden-tiny");
  std::string glamm, clip, sam, tokenizer;
  Tensors g, c, s;
  Downloads() {
    uint64_t seed = 1;
    for (const auto& spec : tensor_layout(config)) {
      auto shape = spec.shape;
      if (spec.group == "box_heads" || spec.group == "clip_adapters" || spec.group == "sam_adapters") continue;
      if (spec.group == "clip") {
        c.add("vision_model." + spec.name.substr(std::strlen(kClipPrefix)), shape, seed++);
        continue;
      }
      if (spec.name.find("mask_decoder.iou_token") != std::string::npos)  // SAM's .pth fills what GLaMM lacks
      {
        s.add("mask_decoder.iou_token.weight", shape, seed++);
        continue;
      }
      if (spec.name.find("image_encoder.pos_embed") != std::string::npos) shape = {1, 64, 64, shape[3]};
      if (spec.name.find("blocks.1.attn.rel_pos") != std::string::npos) shape = {127, shape[1]};
      if (spec.group == "embed_tokens" || spec.group == "lm_head") shape[0] -= 3;
      g.add(spec.name, shape, seed++);
    }
    g.add("model.region_encoder.roi_align.updims.weight", {8, 4}, 99);
    c.add("text_model.embeddings.token_embedding.weight", {10, 4}, 98);
    c.add("logit_scale", {1}, 97);
    glamm = dir / "glamm";
    fs::create_directories(glamm);
    io::write_safetensors(glamm + "/model.safetensors", g.views());
    clip = dir / "clip.safetensors";
    io::write_safetensors(clip, c.views());
    sam = dir / "sam.pth";
    io::write_torch_state_dict(sam, s.views());
    test::write_file(glamm + "/tokenizer.model", "not a real sentencepiece model; copied as is");
    test::write_file(glamm + "/added_tokens.json",
                     R"({"<im_start>": 502, "<im_end>": 503, "<bbox>": 504, "<p>": 505, "</p>": 506})");
  }
};

}  // namespace

TEST(Import, InitBuildsACompleteModelAsTrainPyDoes) {
  Downloads d;
  ImportOptions o;
  o.fresh_new_layers = true;
  o.seed = 7;
  auto imported = import_weights(d.config, {{SourceKind::Clip, d.clip}, {SourceKind::Grove, d.glamm}, {SourceKind::Sam, d.sam}}, o);
  const auto& r = imported.report;
  EXPECT_TRUE(r.missing.empty()) << r.missing.front();
  EXPECT_TRUE(r.mismatched.empty()) << r.mismatched.front();
  EXPECT_TRUE(r.unexpected.empty());
  EXPECT_EQ(r.dropped_region_encoder, 1u);
  EXPECT_EQ(r.ignored, 2u);
  EXPECT_EQ(r.changed.size(), 5u);  // pos_embed, 2 rel_pos, embed_tokens, lm_head
  EXPECT_EQ(imported.tensors.size(), tensor_layout(d.config).size());

  std::map<std::string, io::TensorView> by_name;
  for (const auto& v : imported.views()) by_name[v.name] = v;
  auto floats = [&](const std::string& n) { return io::to_float(by_name.at(n)); };
  // The resized SAM position embedding is F.interpolate's bicubic of GLaMM's.
  for (const auto& [name, values] : d.g.data) {
    if (name.find("pos_embed") == std::string::npos) continue;
    EXPECT_EQ(floats(name), bicubic_resize_hwc(values, 64, 64, 64, 32, 32, false));
  }
  // New vocabulary rows are the mean of the old ones; old rows are kept.
  auto emb = floats("model.embed_tokens.weight");
  const auto& old = std::find_if(d.g.data.begin(), d.g.data.end(), [](auto& p) { return p.first == "model.embed_tokens.weight"; })->second;
  EXPECT_TRUE(std::equal(old.begin(), old.end(), emb.begin()));
  double mean0 = 0;
  for (int r0 = 0; r0 < 509; ++r0) mean0 += old[static_cast<size_t>(r0 * 128)];
  EXPECT_NEAR(emb[static_cast<size_t>(511 * 128)], mean0 / 509, 1e-5);
  // Adapters start as the identity (alpha 0); fresh weights lie within PyTorch's default bound.
  EXPECT_EQ(floats(std::string(kSamPrefix) + "image_encoder.adapters.0.alpha")[0], 0.0f);
  auto w = floats(std::string(kSamPrefix) + "mask_decoder.bbox_prediction_head.0.weight");
  float maxabs = 0;
  for (float x : w) maxabs = std::max(maxabs, std::fabs(x));
  EXPECT_LE(maxabs, 1 / std::sqrt(64.0f));
  EXPECT_GT(maxabs, 0.5f / std::sqrt(64.0f));
  // CLIP came from the CLIP download, under GROVE's names; SAM's .pth filled the one tensor GLaMM lacked.
  EXPECT_EQ(r.taken.at(d.clip), 6u * 16u + 7u);
  EXPECT_EQ(r.taken.at(d.sam), 1u);
  // Same seed, same fresh weights.
  auto again = import_weights(d.config, {{SourceKind::Clip, d.clip}, {SourceKind::Grove, d.glamm}, {SourceKind::Sam, d.sam}}, o);
  for (size_t i = 0; i < again.tensors.size(); ++i)
    ASSERT_EQ(0, std::memcmp(again.tensors[i].view.data, imported.tensors[i].view.data, again.tensors[i].view.nbytes));
}

TEST(Import, ReportsMissingAndMismatchedTensors) {
  Downloads d;
  auto imported = import_weights(d.config, {{SourceKind::Grove, d.glamm}}, {});
  // Without fresh layers and without the CLIP and SAM files: CLIP, its adapters, the box heads and one SAM tensor
  // are missing; nothing is resized wrongly.
  EXPECT_EQ(imported.report.missing.size(), 6u * 16u + 7u + 2u * 3u + 2u * 3u + 6u + 1u);
  EXPECT_TRUE(imported.report.mismatched.empty());
}

TEST(ModelDir, WriteOpenCheckAndExportRoundTrip) {
  Downloads d;
  ImportOptions o;
  o.fresh_new_layers = true;
  o.dtype = io::DType::BF16;
  auto imported = import_weights(d.config, {{SourceKind::Clip, d.clip}, {SourceKind::Grove, d.glamm}, {SourceKind::Sam, d.sam}}, o);
  auto tok = prepare_tokenizer(d.glamm, d.config);
  EXPECT_NE(tok.texts.at("added_tokens.json").find("\"[DET]\": 509"), std::string::npos);
  std::string model = d.dir / "model";
  ModelWriteOptions w;
  w.shard_bytes = 200000;  // several shards and an index
  write_model_dir(model, d.config, imported.views(), tok.texts, tok.copies, w);
  EXPECT_TRUE(fs::exists(model + "/model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(model + "/tokenizer.model"));
  EXPECT_THROW(write_model_dir(model, d.config, imported.views(), tok.texts, tok.copies, w), Error);  // exists
  for (const auto& e : fs::directory_iterator(d.dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos);

  ModelDir m(model);
  EXPECT_EQ(m.config().name, "golden-tiny");
  ASSERT_EQ(m.weights().names().size(), imported.tensors.size());
  for (const auto& v : imported.views()) {
    const auto& back = m.weights().get(v.name);
    EXPECT_EQ(back.dtype, io::DType::BF16);
    ASSERT_EQ(back.nbytes, v.nbytes);
    EXPECT_EQ(0, std::memcmp(back.data, v.data, v.nbytes)) << v.name;
  }

  // export: one flat torch.save state dict, read back bit-exactly by the checkpoint reader.
  std::string bin = d.dir / "export.bin";
  std::vector<io::TensorView> views;
  for (const auto& n : m.weights().names()) views.push_back(m.weights().get(n));
  io::write_torch_state_dict(bin, views);
  auto ck = io::read_torch_checkpoint(bin);
  ASSERT_EQ(ck.tensors.size(), views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(ck.tensors[i].name, views[i].name);
    EXPECT_EQ(ck.tensors[i].shape, views[i].shape);
    auto bytes = ck.tensors[i].contiguous_bytes();
    ASSERT_EQ(bytes.size(), views[i].nbytes);
    EXPECT_EQ(0, std::memcmp(bytes.data(), views[i].data, bytes.size()));
  }
}

TEST(ModelDir, OpeningReportsEveryProblemAtOnce) {
  Downloads d;
  ImportOptions o;
  o.fresh_new_layers = true;
  auto imported = import_weights(d.config, {{SourceKind::Clip, d.clip}, {SourceKind::Grove, d.glamm}, {SourceKind::Sam, d.sam}}, o);
  auto views = imported.views();
  views.erase(views.begin());  // embed_tokens missing
  views[0].shape = {1, 2};     // a wrong shape (and so a wrong byte count: write what the header claims)
  views[0].nbytes = 2 * io::dtype_size(views[0].dtype);
  std::vector<float> extra(3, 1.0f);
  views.push_back({"model.extra.weight", io::DType::F32, {3}, reinterpret_cast<const uint8_t*>(extra.data()), 12});
  std::string model = d.dir / "broken";
  write_model_dir(model, d.config, views, {}, {});
  try {
    ModelDir m(model);
    FAIL() << "opened a broken model";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("3 problems"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing model.embed_tokens.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected model.extra.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has shape [1, 2]"), std::string::npos) << msg;
  }
}

TEST(ModelDir, TokenizerIdsMustAgreeWithTheConfig) {
  Downloads d;
  test::write_file(d.glamm + "/added_tokens.json", R"({"<p>": 400, "</p>": 506})");
  EXPECT_THROW(prepare_tokenizer(d.glamm, d.config), Error);
  fs::remove(d.glamm + "/tokenizer.model");
  EXPECT_THROW(prepare_tokenizer(d.glamm, d.config), Error);
}

TEST(Random, ScratchInitialisesAsTheOriginalsModulesStart) {
  const Config c = shipped("micro");
  auto layout = random_layout(c, io::DType::F32);
  auto fill = random_fill(7, RandomInit::Scratch, c);
  auto uniform = random_fill(7, RandomInit::Uniform, c);
  std::map<std::string, std::vector<float>> v;
  for (const auto& t : layout) {
    std::vector<float> x(static_cast<size_t>(t.numel()));
    fill(t, reinterpret_cast<uint8_t*>(x.data()));
    v[t.name] = std::move(x);
  }
  auto all = [&](const std::string& name, float value) {
    for (float x : v.at(name)) if (x != value) return false;
    return true;
  };
  auto moments = [&](const std::string& name) {
    double s = 0, s2 = 0;
    for (float x : v.at(name)) s += x, s2 += double(x) * x;
    const double n = static_cast<double>(v.at(name).size());
    return std::make_pair(s / n, std::sqrt(s2 / n - (s / n) * (s / n)));
  };
  // Norms at 1 and 0, SAM's relative positions and the adapters' alpha at 0.
  EXPECT_TRUE(all("model.norm.weight", 1.0f));
  EXPECT_TRUE(all("model.layers.0.input_layernorm.weight", 1.0f));
  EXPECT_TRUE(all("model.grounding_encoder.mask_decoder.transformer.norm_final_attn.weight", 1.0f));
  EXPECT_TRUE(all("model.grounding_encoder.mask_decoder.transformer.norm_final_attn.bias", 0.0f));
  EXPECT_TRUE(all("model.grounding_encoder.image_encoder.blocks.1.attn.rel_pos_h", 0.0f));
  EXPECT_TRUE(all("model.grounding_encoder.image_encoder.adapters.0.alpha", 0.0f));
  // The LLaVA side as Hugging Face's post_init leaves it: N(0, 0.02), zero biases.
  auto [m, sd] = moments("model.embed_tokens.weight");
  EXPECT_NEAR(m, 0.0, 0.002);
  EXPECT_NEAR(sd, 0.02, 0.001);
  std::tie(m, sd) = moments("model.layers.0.self_attn.q_proj.weight");
  EXPECT_NEAR(sd, 0.02, 0.002);
  EXPECT_TRUE(all("model.text_hidden_fcs.0.0.bias", 0.0f));
  // CLIP as Hugging Face's CLIP init: class embedding N(0, d^-1/2) (d = 32), fc1 N(0, (2d)^-1/2).
  std::tie(m, sd) = moments("model.vision_tower.vision_tower.vision_model.embeddings.class_embedding");
  EXPECT_NEAR(sd, 1 / std::sqrt(32.0), 0.08);
  std::tie(m, sd) = moments("model.vision_tower.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight");
  EXPECT_NEAR(sd, 0.125, 0.01);
  // SAM: the Fourier matrix and the position embedding N(0, 1); Linear layers as torch.nn, within 1/sqrt(fan_in)
  // (32 inputs: 0.177) and spread over it.
  std::tie(m, sd) = moments("model.grounding_encoder.image_encoder.pos_embed");
  EXPECT_NEAR(sd, 1.0, 0.1);
  for (const char* n : {"model.grounding_encoder.mask_decoder.transformer.layers.0.self_attn.q_proj.weight",
                        "model.grounding_encoder.mask_decoder.transformer.layers.0.self_attn.q_proj.bias"}) {
    float lo = 1, hi = -1;
    for (float x : v.at(n)) lo = std::min(lo, x), hi = std::max(hi, x);
    EXPECT_GE(lo, -0.1768f) << n;
    EXPECT_LE(hi, 0.1768f) << n;
    EXPECT_LT(lo, -0.12f) << n;
    EXPECT_GT(hi, 0.12f) << n;
  }
  // The same seed gives the same values; the uniform fill differs from scratch where scratch has a rule.
  for (const auto& t : layout)
    if (t.name == "model.norm.weight") {
      std::vector<float> x(static_cast<size_t>(t.numel()));
      uniform(t, reinterpret_cast<uint8_t*>(x.data()));
      EXPECT_NE(x, v.at(t.name));
      fill(t, reinterpret_cast<uint8_t*>(x.data()));
      EXPECT_EQ(x, v.at(t.name));
    }
}
