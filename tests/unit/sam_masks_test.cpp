// Plain SAM as GLaMM runs it: the mask mode (the path of GLaMM's [SEG] tokens: MaskDecoder::predict_masks and
// postprocess_masks) and the image encoder without GROVE's adapters (sam.adapter_type "none"), against
// tests/data/glamm/*_seed0.safetensors, which the original code computed (tests/data/glamm/make_sam_golden.py); and
// mask_boxes on masks whose boxes are known.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "arch/config.h"
#include "io/safetensors.h"
#include "model/sam.h"
#include "nn/tensors.h"
#include "test_util.h"

using namespace grove;

namespace {

struct Golden {
  io::SafetensorsSet set;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  explicit Golden(const std::string& name) : set(test::source_path("tests/data/glamm/" + name)), tensors(nn::views(set)) {}
  at::Tensor get(const std::string& name) const {
    for (const auto& [n, t] : tensors)
      if (n == name) return t;
    ADD_FAILURE() << "fixture lacks " << name;
    return {};
  }
  std::vector<std::pair<std::string, at::Tensor>> under(const std::string& prefix) const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [n, t] : tensors)
      if (n.rfind(prefix, 0) == 0) out.emplace_back(n, t);
    return out;
  }
};

double relative_error(const at::Tensor& ours, const at::Tensor& theirs) {
  EXPECT_EQ(ours.sizes(), theirs.sizes());
  const double scale = theirs.abs().max().item<double>();
  const double worst = (ours.to(torch::kFloat64) - theirs.to(torch::kFloat64)).abs().max().item<double>();
  std::printf("    worst abs error %.3g (scale %.3g)\n", worst, scale);
  return worst / scale;
}

}  // namespace

TEST(SamMasks, MaskModeAndPostprocessingEqualTheOriginal) {
  const Golden golden("mask_decoder_seed0.safetensors");
  auto get = [&](const std::string& name) { return golden.get(name); };
  arch::SamConfig c;
  c.prompt_dim = 32, c.decoder_depth = 2, c.decoder_heads = 2, c.decoder_mlp_dim = 64, c.attention_downsample_rate = 2;
  c.num_mask_tokens = 4, c.iou_head_depth = 3;
  model::MaskDecoder dec(c, false);
  // The box head is GROVE's (query mode); SAM's mask mode has none, so it keeps its own values.
  auto weights = golden.under("mask_decoder.");
  for (const auto& p : dec->named_parameters())
    if (p.key().rfind("bbox_prediction_head.", 0) == 0) weights.emplace_back("mask_decoder." + p.key(), p.value().detach());
  nn::load_module(*dec, weights, "mask_decoder.", "fixture");
  dec->eval();
  torch::NoGradGuard no_grad;
  auto m = dec->predict_masks(get("input.image_embeddings"), get("input.image_pe"), get("input.sparse"),
                              get("input.dense"), {3});
  EXPECT_LT(relative_error(m.masks, get("output.all_masks")), 1e-5);
  EXPECT_LT(relative_error(m.iou, get("output.all_iou")), 1e-5);
  // SAM's single-mask output is mask token 0.
  EXPECT_LT(relative_error(m.masks.narrow(1, 0, 1), get("output.masks")), 1e-5);
  EXPECT_LT(relative_error(m.iou.narrow(1, 0, 1), get("output.iou")), 1e-5);
  at::Tensor post = model::postprocess_masks(m.masks.narrow(1, 0, 1), 128, 96, 128, 120, 160);
  EXPECT_LT(relative_error(post, get("output.postprocessed")), 1e-5);
  // The boxes of the original's masks are those of ours (the masks agree in sign away from ~0).
  auto ours = model::mask_boxes(post.select(1, 0)), theirs = model::mask_boxes(get("output.postprocessed").select(1, 0));
  EXPECT_TRUE(torch::equal(ours.nonempty, theirs.nonempty));
  EXPECT_TRUE(torch::allclose(ours.boxes, theirs.boxes));
}

TEST(SamMasks, ImageEncoderWithoutAdaptersEqualsTheOriginal) {
  const Golden golden("sam_encoder_seed0.safetensors");
  arch::SamConfig c;
  c.embed_dim = 32, c.depth = 2, c.num_heads = 2, c.global_attn_indexes = {1}, c.image_size = 128, c.patch_size = 16;
  c.window_size = 4, c.mlp_ratio = 4, c.prompt_dim = 32, c.adapter_type = "none";
  // One frame per window: without adapters the frames do not mix.
  model::SamImageEncoder enc(c, 1);
  EXPECT_EQ(enc->adapters->size(), 0u);
  nn::load_module(*enc, golden.under("image_encoder."), "image_encoder.", "fixture");
  enc->eval();
  torch::NoGradGuard no_grad;
  EXPECT_LT(relative_error(enc->forward(golden.get("input.pixels")), golden.get("output.image_embeddings")), 1e-5);
}

TEST(SamMasks, MaskBoxesAreThePixelsExtentAsEdges) {
  at::Tensor m = torch::zeros({3, 6, 8});
  m[0].slice(0, 1, 4).slice(1, 2, 7).fill_(1.0);  // rows 1..3, columns 2..6
  m[1][5][0] = 0.5;                                // one pixel at (x 0, y 5)
  m[1][0][7] = 0.5;                                // and one at (x 7, y 0)
  m[2].fill_(-1.0);                                // empty: logits all negative
  auto b = model::mask_boxes(m);
  EXPECT_TRUE(torch::equal(b.nonempty, torch::tensor({true, true, false})));
  EXPECT_TRUE(torch::equal(b.boxes, torch::tensor({{2.f, 1.f, 7.f, 4.f}, {0.f, 0.f, 8.f, 6.f}, {-1.f, -1.f, -1.f, -1.f}})));
  EXPECT_TRUE(torch::equal(model::mask_boxes(m > 0).boxes, b.boxes));
}
