// The golden fixtures (../shared/fixtures/golden, or $GROVE_GOLDEN_DIR): tensors the original Python code computed
// on small random configurations. Every fixture file of a known kind found in the directory is loaded by name into
// grove's modules, run on the fixture's inputs, and compared with its outputs; the worst error of each output is
// printed. Tolerance: 1e-5 of the output's scale (fp32).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <set>

#include "arch/config.h"
#include "arch/layout.h"
#include "core/error.h"
#include "io/record.h"
#include "io/safetensors.h"
#include "nn/layers.h"
#include "model/clip.h"
#include "model/grove.h"
#include "model/sam.h"
#include "model/sam_prompt.h"
#include "nn/tensors.h"
#include "test_util.h"
#include "video/resample.h"

using namespace grove;
namespace fs = std::filesystem;

namespace {

std::string golden_dir() {
  const char* dir = std::getenv("GROVE_GOLDEN_DIR");
  return dir ? dir : test::source_path("../shared/fixtures/golden");
}

// The fixture files whose names match KIND_*.safetensors.
std::vector<std::string> fixtures(const std::string& kind) {
  std::vector<std::string> out;
  if (!fs::is_directory(golden_dir())) return out;
  for (const auto& e : fs::directory_iterator(golden_dir())) {
    std::string n = e.path().filename().string();
    if (n.rfind(kind + "_", 0) == 0 && e.path().extension() == ".safetensors") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Fixture {
  io::SafetensorsSet set;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  io::Record config;
  explicit Fixture(const std::string& path) : set(path), tensors(nn::views(set)) {
    const auto& meta = set.files().at(0).metadata();
    if (meta.count("config")) config = io::Record::parse(meta.at("config"));
  }
  at::Tensor get(const std::string& name) const {
    for (const auto& [n, t] : tensors)
      if (n == name) return t;
    ADD_FAILURE() << "fixture lacks " << name;
    return {};
  }
};

// Worst absolute error, relative to the reference's largest magnitude (at least FLOOR, for outputs whose natural
// unit is larger than their values, like logits near 0); printed for the record.
double compare(const std::string& what, const at::Tensor& ours, const at::Tensor& theirs, double floor = 1e-12) {
  EXPECT_EQ(ours.sizes(), theirs.sizes()) << what;
  if (ours.sizes() != theirs.sizes()) return 1e9;
  const double scale = std::max(theirs.abs().max().item<double>(), floor);
  const double worst = (ours.to(torch::kFloat64) - theirs.to(torch::kFloat64)).abs().max().item<double>();
  std::printf("    %-44s worst abs error %.3g (scale %.3g, relative %.3g)\n", what.c_str(), worst, scale, worst / scale);
  return worst / scale;
}

using Shapes = std::map<std::string, std::vector<int64_t>>;

// A module's parameters and buffers under their full names, and the layout's tensors of some groups: the two
// must agree for a module to load a model directory by name.
void add_module_shapes(Shapes& out, torch::nn::Module& m, const std::string& prefix) {
  for (const auto& p : m.named_parameters()) out[prefix + p.key()] = p.value().sizes().vec();
  for (const auto& b : m.named_buffers()) out[prefix + b.key()] = b.value().sizes().vec();
}
Shapes layout_shapes(const arch::Config& c, const std::set<std::string>& groups) {
  Shapes out;
  for (const auto& s : arch::tensor_layout(c))
    if (groups.count(s.group)) out[s.name] = s.shape;
  return out;
}

}  // namespace

TEST(Golden, ClipTowerPoolingAndProjector) {
  auto files = fixtures("clip");
  if (files.empty()) GTEST_SKIP() << "no clip_*.safetensors in " << golden_dir();
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::printf("  %s\n", path.c_str());
    Fixture f(path);
    arch::ClipConfig c;
    c.hidden_size = f.config["hidden_size"];
    c.intermediate_size = f.config["intermediate_size"];
    c.num_hidden_layers = f.config["num_hidden_layers"];
    c.num_attention_heads = f.config["num_attention_heads"];
    c.image_size = f.config["image_size"];
    c.patch_size = f.config["patch_size"];
    c.select_layer = f.config["select_layer"];
    const int64_t frames = f.config["num_frames"], out = f.config["mm_hidden_out"];
    model::ClipVision tower(c, frames);
    nn::load_module(*tower, f.tensors, arch::kClipPrefix, path);
    auto projector = model::make_projector(c.hidden_size, out);
    nn::load_module(*projector, f.tensors, "model.mm_projector.", path);
    torch::NoGradGuard no_grad;
    at::Tensor patches = tower->forward(model::clip_normalize(f.get("input.pixels_uint8")));
    EXPECT_LT(compare("CLIP layer -2 patches (adapters active)", patches, f.get("output.layer_minus2_patches")), 1e-5);
    at::Tensor pooled = model::pool_video_tokens(patches, c, frames);
    EXPECT_LT(compare("AdaptiveAvgPool3d (8, 8, 9)", pooled, f.get("output.pooled")), 1e-5);
    // The pooling and projector on the reference's own input too, so each block is checked on its own.
    at::Tensor pooled_ref = model::pool_video_tokens(f.get("output.layer_minus2_patches"), c, frames);
    EXPECT_LT(compare("pooling of the reference's patches", pooled_ref, f.get("output.pooled")), 1e-6);
    EXPECT_LT(compare("mm_projector", projector->forward(pooled), f.get("output.video_tokens")), 1e-5);
    // Not a vacuous comparison: with the adapters switched off (alpha 0) the features differ.
    for (auto& p : tower->named_parameters())
      if (p.key().find(".alpha") != std::string::npos) p.value().zero_();
    at::Tensor plain = tower->forward(model::clip_normalize(f.get("input.pixels_uint8")));
    EXPECT_GT(compare("(without adapters: must differ)", plain, f.get("output.layer_minus2_patches")), 1e-3);
  }
}

// Closed forms the golden files do not isolate: the 24 -> 9 width bins overlap as the reference says, and an adapter
// with alpha 0 is the identity.
TEST(Clip, PoolingBinsAndIdentityAdapters) {
  arch::ClipConfig c;
  c.hidden_size = 1;
  at::Tensor patches = torch::arange(24, torch::kFloat32).repeat({24}).view({1, 576, 1}).repeat({8, 1, 1});
  at::Tensor pooled = model::pool_video_tokens(patches, c, 8).view({8, 8, 9});
  const int bins[9][2] = {{0, 3}, {2, 6}, {5, 8}, {8, 11}, {10, 14}, {13, 16}, {16, 19}, {18, 22}, {21, 24}};
  for (int j = 0; j < 9; ++j) {
    double mean = (bins[j][0] + bins[j][1] - 1) / 2.0;
    EXPECT_NEAR(pooled[3][5][j].item<double>(), mean, 1e-6) << "bin " << j;
  }
  model::ConvAdapter a(4);
  at::Tensor x = torch::randn({2, 4, 8, 3, 5});
  EXPECT_TRUE(a->is_identity());
  EXPECT_TRUE(torch::equal(a->forward(x), x));
}

// The modules register exactly the layout's names and shapes (the CLIP part of a 7B model).
TEST(Clip, ModuleNamesAreTheLayoutsNames) {
  arch::Config c;
  model::ClipVision tower(c.clip, c.num_frames);
  auto projector = model::make_projector(c.clip.hidden_size, c.llama.hidden_size);
  Shapes ours;
  add_module_shapes(ours, *tower, arch::kClipPrefix);
  add_module_shapes(ours, *projector, "model.mm_projector.");
  EXPECT_EQ(ours, layout_shapes(c, {"clip", "clip_adapters", "projector"}));
}

// The grounding fixtures' SAM sizes (their config names the original's builder arguments).
arch::SamConfig sam_config(const io::Record& j) {
  arch::SamConfig c;
  c.embed_dim = j["embed_dim"];
  c.depth = j["depth"];
  c.num_heads = j["num_heads"];
  c.global_attn_indexes = j["global_attn_indexes"].get<std::vector<int64_t>>();
  c.image_size = j["img_size"];
  c.patch_size = j["patch_size"];
  c.window_size = j["window_size"];
  c.prompt_dim = j["prompt_dim"];
  c.decoder_mlp_dim = j["decoder_mlp_dim"];
  c.decoder_heads = j["decoder_heads"];
  return c;
}

// The prompt encoder's dense positional encoding (grounding_*.safetensors: output.dense_pe), in fp32.
TEST(Golden, SamDensePositionalEncoding) {
  auto files = fixtures("grounding");
  if (files.empty()) GTEST_SKIP() << "no grounding_*.safetensors in " << golden_dir();
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::printf("  %s\n", path.c_str());
    Fixture f(path);
    model::PromptEncoder pe(sam_config(f.config));
    nn::load_module(*pe, f.tensors, std::string(arch::kSamPrefix) + "prompt_encoder.", path);
    torch::NoGradGuard no_grad;
    EXPECT_LT(compare("prompt encoder dense PE", pe->dense_pe(), f.get("output.dense_pe")), 1e-5);
  }
}

// The SAM image encoder with active adapters (alpha 0.7), then the box decoder on the reference's own embeddings,
// so each half is checked on its own, then end to end.
TEST(Golden, SamEncoderAndBoxDecoder) {
  auto files = fixtures("grounding");
  if (files.empty()) GTEST_SKIP() << "no grounding_*.safetensors in " << golden_dir();
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::printf("  %s\n", path.c_str());
    Fixture f(path);
    const arch::SamConfig c = sam_config(f.config);
    const int64_t frames = f.config["num_frames"];
    model::Sam sam(c, frames, true);
    nn::load_module(*sam, f.tensors, arch::kSamPrefix, path);
    torch::NoGradGuard no_grad;
    at::Tensor pixels = model::sam_normalize(f.get("input.pixels_uint8"), c.image_size);
    at::Tensor emb = sam->image_encoder->forward(pixels);
    EXPECT_LT(compare("SAM image embeddings (adapters active)", emb, f.get("output.image_embeddings")), 1e-5);
    at::Tensor text = f.get("input.text_embeds");
    model::BoxPredictions ref = sam->decode(f.get("output.image_embeddings"), text);
    EXPECT_LT(compare("boxes (cx, cy, w, h) from reference embeddings", ref.boxes, f.get("output.boxes_cxcywh")), 1e-5);
    EXPECT_LT(compare("objectness logits from reference embeddings", ref.logits, f.get("output.objectness_logits")),
              1e-5);
    model::BoxPredictions ours = sam->decode(emb, text);
    EXPECT_LT(compare("boxes end to end", ours.boxes, f.get("output.boxes_cxcywh")), 1e-5);
    EXPECT_LT(compare("objectness logits end to end", ours.logits, f.get("output.objectness_logits")), 1e-5);
    // Not vacuous: without the adapters the embeddings differ.
    for (auto& p : sam->named_parameters())
      if (p.key().find(".alpha") != std::string::npos) p.value().zero_();
    EXPECT_GT(compare("(without adapters: must differ)", sam->image_encoder->forward(pixels),
                      f.get("output.image_embeddings")),
              1e-3);
  }
}

TEST(Sam, ModuleNamesAreTheLayoutsNames) {
  arch::Config c;
  c.sam.embed_dim = 64;  // the 7B layout's structure at a size that builds quickly
  c.sam.num_heads = 4;
  model::Sam sam(c.sam, c.num_frames, true);
  Shapes ours;
  add_module_shapes(ours, *sam, arch::kSamPrefix);
  EXPECT_EQ(ours, layout_shapes(c, {"sam", "sam_adapters", "prompt_encoder", "mask_decoder", "box_heads"}));
}

TEST(Sam, PromptEncoderNamesAreTheLayoutsNames) {
  arch::Config c;
  model::PromptEncoder pe(c.sam);
  Shapes ours;
  add_module_shapes(ours, *pe, std::string(arch::kSamPrefix) + "prompt_encoder.");
  EXPECT_EQ(ours, layout_shapes(c, {"prompt_encoder"}));
}

// Loading by name reports every problem at once, and loads nothing then.
TEST(Clip, LoadingReportsEveryProblem) {
  arch::ClipConfig c;
  c.hidden_size = 8;
  c.intermediate_size = 16;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 2;
  model::ClipVision tower(c, 8);
  std::vector<std::pair<std::string, at::Tensor>> weights;
  for (const auto& p : tower->named_parameters()) weights.emplace_back(arch::kClipPrefix + p.key(), torch::ones_like(p.value()));
  weights.erase(weights.begin());                       // embeddings.class_embedding missing
  weights[0].second = torch::ones({2, 2});              // a wrong shape
  weights.emplace_back(std::string(arch::kClipPrefix) + "extra.weight", torch::ones({1}));
  weights.emplace_back("model.elsewhere.weight", torch::ones({1}));  // outside the prefix: not this module's
  try {
    nn::load_module(*tower, weights, arch::kClipPrefix, "weights");
    FAIL() << "loaded";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("3 problems"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing model.vision_tower.vision_tower.vision_model.embeddings.class_embedding"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has shape [2, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected model.vision_tower.vision_tower.vision_model.extra.weight"), std::string::npos) << msg;
  }
  EXPECT_FALSE(tower->encoder->layers[0]->as<model::ClipLayerImpl>()->mlp->fc1->weight.eq(1).all().item<bool>());
}

// Both encoders' pixel preprocessing (preprocess_*.safetensors): PIL's resampling, the crop or the padding, and
// the normalisation, for every input.frame{i}_uint8 of the file.
TEST(Golden, PixelPreprocessing) {
  auto files = fixtures("preprocess");
  if (files.empty()) GTEST_SKIP() << "no preprocess_*.safetensors in " << golden_dir();
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::printf("  %s\n", path.c_str());
    Fixture f(path);
    int frames = 0;
    for (const auto& [name, t] : f.tensors) {
      if (name.rfind("input.frame", 0) != 0) continue;
      const std::string i = name.substr(11, name.find('_') - 11);
      at::Tensor in = t.contiguous();
      video::RgbImage frame{static_cast<int>(in.size(1)), static_cast<int>(in.size(0)),
                            std::vector<uint8_t>(in.data_ptr<uint8_t>(), in.data_ptr<uint8_t>() + in.numel())};
      auto as_tensor = [](const video::RgbImage& im) {
        return torch::from_blob(const_cast<uint8_t*>(im.rgb.data()), {1, im.height, im.width, 3}, torch::kUInt8).clone();
      };
      at::Tensor clip = model::clip_normalize(as_tensor(video::clip_view(frame, 336)))[0];
      const std::string size = std::to_string(frame.width) + "x" + std::to_string(frame.height);
      EXPECT_LT(compare("CLIP view of " + size, clip, f.get("output.frame" + i + "_clip")), 1e-5);
      at::Tensor sam = model::sam_normalize(as_tensor(video::sam_view(frame, 512)), 512)[0];
      EXPECT_LT(compare("SAM view of " + size, sam, f.get("output.frame" + i + "_sam")), 1e-5);
      ++frames;
    }
    EXPECT_GT(frames, 0);
  }
}

// The whole model, teacher-forced on one window (forward_*.safetensors): prompt assembly, the [DET] features, the
// weighted losses, the objectness logits and the boxes kept per frame in pixels of the original frame. In float32
// every output is held to 1e-5; in bfloat16 (the original's inference dtype, the whole network and the box
// arithmetic in bf16) to 3e-2, and the kept-box counts are not compared: logits this close to 0 sit on the 0.5
// threshold, which bf16's sigmoid cannot resolve.
void check_forward_fixtures(c10::ScalarType dtype, double tolerance) {
  auto files = fixtures("forward");
  if (files.empty()) GTEST_SKIP() << "no forward_*.safetensors in " << golden_dir();
  const bool exact = dtype == c10::kFloat;
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::printf("  %s (%s)\n", path.c_str(), c10::toString(dtype));
    Fixture f(path);
    io::Record cj = f.config;
    const auto size = cj["original_size_wh"].get<std::vector<int64_t>>();
    const auto lw = cj["loss_weights"];
    cj.erase("original_size_wh");
    cj.erase("loss_weights");
    arch::Config c = arch::parse_config(cj, path);
    model::Grove g{nullptr};
    {
      nn::BuildScope scope({c10::TensorOptions().dtype(dtype), false});
      g = model::Grove(c);
    }
    std::vector<std::pair<std::string, at::Tensor>> weights;
    for (const auto& [n, t] : f.tensors)
      if (n.rfind("model.", 0) == 0 || n.rfind("lm_head.", 0) == 0) weights.emplace_back(n, t);
    nn::load_module(*g, weights, "", path);
    torch::NoGradGuard no_grad;
    model::WindowPixels px{model::clip_normalize(f.get("input.clip_pixels_uint8")),
                           model::sam_normalize(f.get("input.sam_pixels_uint8"), c.sam.image_size)};
    at::Tensor ids = f.get("input.input_ids")[0];
    model::TeacherForced out = model::teacher_forced(g, px, ids);
    EXPECT_EQ(out.boxes.boxes.at(0).scalar_type(), dtype);
    const int64_t at = (ids == c.tokens.image_placeholder).nonzero()[0][0].item<int64_t>();
    at::Tensor labels = g->assemble_labels(f.get("input.labels")[0], at, out.hidden.size(1) - ids.size(0) + 1);
    at::Tensor ce = model::causal_lm_loss(out.logits, labels);

    std::vector<at::Tensor> gt_boxes, gt_obj;
    at::Tensor all_gt = f.get("input.gt_boxes_cxcywh"), per_frame = f.get("input.gt_boxes_per_frame");
    at::Tensor obj = f.get("input.objectness_labels");
    int64_t start = 0;
    for (int64_t t = 0; t < per_frame.size(0); ++t) {
      const int64_t n = per_frame[t].item<int64_t>();
      gt_boxes.push_back(all_gt.narrow(0, start, n).to(dtype));
      gt_obj.push_back(obj[t].to(dtype));
      start += n;
    }
    model::LossWeights w{lw["ce"], lw["giou_and_l1"], lw["objectness"]};
    model::GroundingLosses l = model::grounding_losses(ce, out.boxes.boxes, out.boxes.logits, gt_boxes, gt_obj, w);
    auto f32 = [](const at::Tensor& t) { return t.to(c10::kFloat); };
    EXPECT_LT(compare("loss", f32(l.loss), f.get("output.loss")[0]), tolerance);
    EXPECT_LT(compare("ce_loss", f32(l.ce), f.get("output.ce_loss")[0]), tolerance);
    EXPECT_LT(compare("giou_loss", f32(l.giou), f.get("output.giou_loss")[0]), tolerance);
    EXPECT_LT(compare("l1_loss", f32(l.l1), f.get("output.l1_loss")[0]), tolerance);
    EXPECT_LT(compare("temp_objectness_loss", f32(l.objectness), f.get("output.temp_objectness_loss")[0]), tolerance);
    // The random heads give logits near 0 (|logit| < 0.002 here); their unit is the sigmoid's, so errors are
    // measured against 1.
    EXPECT_LT(compare("objectness logits (frames x [DET])", f32(torch::stack(out.boxes.logits)),
                      f.get("output.objectness_logits"), 1.0),
              tolerance);

    model::KeptBoxes kept = model::keep_boxes(out.boxes, size[0], size[1], c.objectness_threshold);
    if (!exact) {
      for (const auto& b : kept.boxes) EXPECT_EQ(b.scalar_type(), dtype);  // the box arithmetic stays in bf16
      continue;
    }
    at::Tensor kept_per_frame = f.get("output.kept_boxes_per_frame");
    for (size_t t = 0; t < kept.boxes.size(); ++t)
      EXPECT_EQ(kept.boxes[t].size(0), kept_per_frame[t].item<int64_t>()) << "frame " << t;
    EXPECT_LT(compare("kept boxes xyxy (pixels)", torch::cat(kept.boxes), f.get("output.kept_boxes_xyxy")), 1e-5);
  }
}

TEST(Golden, TeacherForcedForward) { check_forward_fixtures(c10::kFloat, 1e-5); }
TEST(Golden, TeacherForcedForwardInBfloat16) { check_forward_fixtures(c10::kBFloat16, 3e-2); }

TEST(Grove, ModuleNamesAreTheLayoutsNames) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/golden-tiny.json"));
  model::Grove g(c);
  Shapes ours;
  add_module_shapes(ours, *g, "");
  std::set<std::string> all;
  for (const auto& s : arch::tensor_layout(c)) all.insert(s.group);
  EXPECT_EQ(ours, layout_shapes(c, all));
}
