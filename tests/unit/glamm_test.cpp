// Style "glamm" (GLaMM's image grounding, the annotation pipeline's stage 1): the config's rules, the layout against
// the modules, GLaMM's prompt, and the [SEG] -> mask -> box path through the Predictor, on a micro configuration
// whose mask branch is set so that every mask covers the whole frame (or nothing).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "arch/config.h"
#include "arch/layout.h"
#include "core/error.h"
#include "io/record.h"
#include "model/grove.h"
#include "model/infer.h"
#include "test_util.h"
#include "text/caption.h"
#include "text/tokenizer.h"

using namespace grove;

namespace {

arch::Config micro() { return arch::load_config(test::source_path("tests/data/glamm/glamm-micro.json")); }

// A frames record of two 64 x 48 frames of a 320 x 240 video.
io::Record frames_record() {
  io::Record r = test::example_records().at(0);
  for (const auto& e : test::example_records())
    if (e.value("type", "") == "frames") r = e;
  io::Record pixels = io::Record::array();
  for (int f = 0; f < 2; ++f) {
    std::vector<uint8_t> rgb(64 * 48 * 3);
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i * 7 + f * 50) % 251);
    pixels.push_back(io::Record::binary(rgb));
  }
  r["pixels"] = pixels;
  r["pixel_width"] = 64, r["pixel_height"] = 48, r["width"] = 320, r["height"] = 240;
  return r;
}

// Every mask of mask token 0 constant: the upscaled embedding is GELU(1) everywhere (zero convolutions, unit
// biases; the LayerNorm of a constant gives its bias) and the hypernetwork's output is SIGN in every channel.
void constant_masks(model::Grove& g, float sign) {
  torch::NoGradGuard no_grad;
  auto& d = *g->model->grounding_encoder->mask_decoder;
  for (auto& p : d.output_upscaling->named_parameters()) {
    const bool bias = p.key().find("bias") != std::string::npos;
    p.value().fill_(bias ? 1.0 : 0.0);
  }
  auto& last = *d.output_hypernetworks_mlps[0]->as<model::SamMlpHeadImpl>()->layers[2]->as<nn::LinearImpl>();
  last.weight.zero_();
  last.bias.fill_(sign);
}

}  // namespace

TEST(Glamm, ConfigRulesAndLayout) {
  const arch::Config c = micro();
  EXPECT_TRUE(c.glamm());
  EXPECT_STREQ(c.token_names().query, "[SEG]");
  io::Record j = arch::to_json(c);
  EXPECT_EQ(j["style"], "glamm");
  j["num_frames"] = 8;
  EXPECT_THROW(arch::parse_config(j, "x"), Error);
  j = arch::to_json(c);
  j["sam"]["adapter_type"] = "conv";
  EXPECT_THROW(arch::parse_config(j, "x"), Error);
  // The modules hold exactly the layout's tensors: no adapters, no box heads.
  model::Grove g(c);
  std::map<std::string, std::vector<int64_t>> ours, layout;
  for (const auto& p : g->named_parameters()) ours[p.key()] = p.value().sizes().vec();
  for (const auto& b : g->named_buffers()) ours[b.key()] = b.value().sizes().vec();
  for (const auto& s : arch::tensor_layout(c)) layout[s.name] = s.shape;
  EXPECT_EQ(ours, layout);
  for (const auto& [name, shape] : layout) {
    EXPECT_EQ(name.find("adapters."), std::string::npos) << name;
    EXPECT_EQ(name.find("bbox_prediction_head"), std::string::npos) << name;
  }
}

TEST(Glamm, PromptIsGlammsGcgPrompt) {
  EXPECT_EQ(text::llava_prompt(text::kInstructionGlammGcg, "", true),
            "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
            "detailed, and polite answers to the human's questions. USER: The <im_start><image><im_end> provides an "
            "overview of the picture.\nCould you please give me a detailed description of the image? Please respond "
            "with interleaved     segmentation masks for the corresponding parts of the answer. ASSISTANT:");
  const auto a = text::tagged_answer("A man cuts an onion.", "<p>A man</p> cuts <p>an onion</p>.", {"A man", "an onion"},
                                     false, "[SEG]");
  EXPECT_EQ(a.text, "<p> a man </p> [SEG] cuts <p> an onion </p> [SEG].");
  const auto parsed = text::parse_answer(a.text + "</s>");
  EXPECT_EQ(parsed.caption, "a man cuts an onion .");  // as GLaMM's own clean-up leaves it
  EXPECT_EQ(parsed.tagged_caption, "<p> a man </p> cuts <p> an onion </p> .</s>");
}

TEST(Glamm, SegTokensGiveTheBoxesOfTheirMasks) {
  const arch::Config c = micro();
  model::Grove g(c);
  g->eval();
  auto tokenizer = [] { return text::Tokenizer::load(test::source_path("tests/data/text/tiny-tokenizer")); };
  model::InferOptions o;
  o.protocol = model::InferOptions::Protocol::TeacherForced;
  const io::Record frames = frames_record();
  const std::string answer = "<p> a man </p> [SEG] cuts <p> an onion </p> [SEG].";

  constant_masks(g, 1.0f);  // every mask is the whole frame
  model::Predictor full(g, tokenizer(), o);
  io::Record r = full.predict(frames, answer);
  ASSERT_EQ(r["boxes"].size(), 2u);
  for (int f = 0; f < 2; ++f) {
    EXPECT_EQ(r["boxes"][f], io::Record::parse("[[0, 0, 320, 240], [0, 0, 320, 240]]")) << r["boxes"][f].dump();
    EXPECT_EQ(r["labels"][f], io::Record::parse(R"(["a man", "an onion"])"));
  }

  constant_masks(g, -1.0f);  // every mask empty: no boxes
  model::Predictor none(g, tokenizer(), o);
  r = none.predict(frames, answer);
  for (int f = 0; f < 2; ++f) EXPECT_TRUE(r["boxes"][f].empty()) << r["boxes"][f].dump();
}
