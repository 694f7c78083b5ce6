// Training pieces (lib/train): the schedule's closed form, the LLaVA label masking, the frame draws, the example's
// targets, the trainable set, SLURM node lists, and the losses' gradients against finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "arch/config.h"
#include "model/boxes.h"
#include "test_util.h"
#include "text/caption.h"
#include "text/tokenizer.h"
#include "train/distributed.h"
#include "train/example.h"
#include "train/trainer.h"

using namespace grove;

TEST(Train, ScheduleWarmsUpLinearlyThenDecaysToZero) {
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 0, 100, 1000), 0.0);
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 50, 100, 1000), 0.5);
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 100, 100, 1000), 1.0);
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 550, 100, 1000), 0.5);
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 1000, 100, 1000), 0.0);
  EXPECT_DOUBLE_EQ(train::scheduled_lr(1.0, 2000, 100, 1000), 0.0);
}

TEST(Train, OnlyTheAnswerAndItsEndOfSequenceAreSupervised) {
  const auto tok = text::Tokenizer::load(test::source_path("tests/data/text/tiny-tokenizer"));
  const std::string answer = "<p> a man </p> [DET] cuts <p> an onion </p> [DET].";
  const std::string conv = text::llava_prompt(text::kGroundingQuestions[2], answer);
  const auto ids = tok.encode_prompt(conv);
  at::Tensor labels = train::conversation_labels(conv, ids, tok);
  std::vector<int32_t> supervised;
  for (int64_t i = 0; i < labels.size(0); ++i)
    if (labels[i].item<int64_t>() != -100) supervised.push_back(static_cast<int32_t>(ids[i]));
  ASSERT_FALSE(supervised.empty());
  EXPECT_EQ(supervised.back(), 2);  // </s>
  // The supervised span starts right after "ASSISTANT:" (the prefix's tokens less BOS and its trailing space piece)
  // and runs to the end, </s> included.
  const std::string prefix = conv.substr(0, conv.find(" ASSISTANT: ")) + " ASSISTANT: ";
  const size_t start = tok.encode_prompt(prefix).size() - 1;
  EXPECT_EQ(std::vector<int64_t>(supervised.begin(), supervised.end()), std::vector<int64_t>(ids.begin() + start, ids.end()));
  EXPECT_EQ(text::answer_of_decoded(tok.decode(supervised)), "<p> a man </p> [DET] cuts <p> an onion </p> [DET] .</s>");
  const std::string text = tok.decode(supervised);
  EXPECT_NE(text.find("a man"), std::string::npos) << text;
  EXPECT_EQ(text.find("ASSISTANT"), std::string::npos) << text;
  EXPECT_EQ(labels[0].item<int64_t>(), -100);
}

TEST(Train, FrameDrawsRedrawUntilAnObjectIsVisibleAndDependOnlyOnSeedEpochAndId) {
  io::Record s = {{"type", "sample"}, {"id", "v_1"}};
  s["bboxes"] = io::Record::array();
  for (int i = 0; i < 40; ++i) s["bboxes"].push_back(i == 33 ? io::Record::array({io::Record::array({1, 2, 3, 4})}) : io::Record::array());
  for (int64_t epoch = 0; epoch < 20; ++epoch) {
    auto e = train::choose_entries(s, 8, true, 42, epoch);
    ASSERT_EQ(e.size(), 8u);
    EXPECT_NE(std::find(e.begin(), e.end(), 33u), e.end()) << "epoch " << epoch;  // the only frame with a box
    for (size_t k = 0; k < 8; ++k) EXPECT_TRUE(e[k] >= 5 * k && e[k] < 5 * (k + 1));
    EXPECT_EQ(e, train::choose_entries(s, 8, true, 42, epoch));
  }
  EXPECT_EQ(train::choose_entries(s, 8, false, 0, 0), (std::vector<size_t>{2, 7, 12, 17, 22, 27, 32, 37}));
  s["bboxes"] = io::Record::array({io::Record::array(), io::Record::array(), io::Record::array()});
  EXPECT_EQ(train::choose_entries(s, 8, false, 0, 0), (std::vector<size_t>{0, 0, 0, 1, 1, 1, 2, 2}));
}

TEST(Train, ExampleTargetsFollowThePhraseOrderAndTheOriginalFrame) {
  const auto tok = text::Tokenizer::load(test::source_path("tests/data/text/tiny-tokenizer"));
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  io::Record s = io::Record::parse(R"({"type":"sample","id":"x","width":200,"height":100,
    "caption":"A man cuts an onion.","tagged_caption":"<p>A man</p> cuts <p>an onion</p>.","phrases":["an onion","A man"],
    "bboxes":[[[100,0,200,100],[0,0,20,10],[10,10,40,20]],[]],"labels":[["an onion","a man","A man"],[]]})");
  std::vector<video::RgbImage> frames(8, video::RgbImage{32, 16, std::vector<uint8_t>(32 * 16 * 3, 128)});
  std::vector<size_t> entries{0, 1, 1, 1, 1, 1, 1, 1};
  train::Example ex = train::make_example(s, entries, frames, tok, c, {});
  EXPECT_EQ(ex.clip.sizes(), (std::vector<int64_t>{8, 3, 112, 112}));
  EXPECT_EQ(ex.sam.sizes(), (std::vector<int64_t>{8, 3, 128, 128}));
  // Phrase order is caption order: "a man" (its two boxes merged into their union [0,0,40,20]), then "an onion".
  at::Tensor want = torch::tensor({{20.0f / 200, 10.0f / 100, 40.0f / 200, 20.0f / 100}, {0.75f, 0.5f, 0.5f, 1.0f}});
  EXPECT_TRUE(torch::allclose(ex.boxes[0], want)) << ex.boxes[0];
  EXPECT_TRUE(torch::equal(ex.objectness[0], torch::tensor({1.0f, 1.0f})));
  EXPECT_EQ(ex.boxes[1].size(0), 0);
  EXPECT_TRUE(torch::equal(ex.objectness[1], torch::tensor({0.0f, 0.0f})));
  EXPECT_EQ((ex.ids == -200).sum().item<int64_t>(), 1);
  EXPECT_EQ((ex.ids == c.tokens.det).sum().item<int64_t>(), 2);
}

TEST(Train, TheReleasedScriptsTrainableSet) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  model::Grove g(c);
  std::set<std::string> on;
  for (const auto& [n, p] : train::select_trainable(g)) on.insert(n);
  EXPECT_TRUE(on.count("model.embed_tokens.weight"));
  EXPECT_TRUE(on.count("lm_head.weight"));
  EXPECT_TRUE(on.count("model.mm_projector.0.weight"));
  EXPECT_TRUE(on.count("model.text_hidden_fcs.0.0.weight"));
  EXPECT_TRUE(on.count("model.grounding_encoder.image_encoder.pos_embed"));
  EXPECT_TRUE(on.count("model.grounding_encoder.image_encoder.blocks.1.attn.rel_pos_h"));   // global block
  EXPECT_FALSE(on.count("model.grounding_encoder.image_encoder.blocks.0.attn.rel_pos_h"));  // windowed block
  EXPECT_TRUE(on.count("model.grounding_encoder.image_encoder.adapters.0.alpha"));
  EXPECT_TRUE(on.count("model.grounding_encoder.mask_decoder.temporal_objectness_head.weight"));
  EXPECT_FALSE(on.count("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_FALSE(on.count("model.grounding_encoder.image_encoder.neck.0.weight"));
  EXPECT_FALSE(on.count("model.vision_tower.vision_tower.vision_model.encoder.adapters.0.alpha"));  // no gradient there
  for (const auto& p : g->named_parameters()) EXPECT_EQ(p.value().requires_grad(), on.count(p.key()) == 1) << p.key();
  auto more = train::select_trainable(g, {"model.layers.1."}, {"lm_head."});
  std::set<std::string> names;
  for (const auto& [n, p] : more) names.insert(n);
  EXPECT_TRUE(names.count("model.layers.1.mlp.up_proj.weight"));
  EXPECT_FALSE(names.count("lm_head.weight"));
}

TEST(Train, SlurmNodeListsGiveTheirFirstHost) {
  EXPECT_EQ(train::first_host("node[03-05,9],gpu1"), "node03");
  EXPECT_EQ(train::first_host("gpu7"), "gpu7");
  EXPECT_EQ(train::first_host("nid[001234]"), "nid001234");
  EXPECT_EQ(train::first_host("a1,b[2-3]"), "a1");
}

TEST(Train, LossGradientsMatchFiniteDifferences) {
  // The box and objectness terms in double precision, against central differences of the same function.
  torch::manual_seed(7);
  const int64_t n = 3;
  auto raw = torch::rand({2, n, 4}, torch::kDouble) * 0.5 + 0.25;  // two frames of n queries, cx cy w h
  auto logits = torch::randn({2, n}, torch::kDouble);
  std::vector<at::Tensor> gt_boxes{torch::tensor({{0.3, 0.4, 0.2, 0.3}, {0.6, 0.5, 0.3, 0.2}}, torch::kDouble),
                                   torch::tensor({{0.5, 0.5, 0.4, 0.4}}, torch::kDouble)};
  std::vector<at::Tensor> gt_obj{torch::tensor({1.0, 0.0, 1.0}, torch::kDouble), torch::tensor({0.0, 1.0, 0.0}, torch::kDouble)};
  auto total = [&](const at::Tensor& b, const at::Tensor& l) {
    model::GroundingLosses x = model::grounding_losses(torch::zeros({}, torch::kDouble), {b[0], b[1]}, {l[0], l[1]},
                                                       gt_boxes, gt_obj, {1.0, 2.0, 2.0});
    return x.loss;
  };
  at::Tensor b = raw.clone().requires_grad_(true), l = logits.clone().requires_grad_(true);
  total(b, l).backward();
  const double h = 1e-6;
  double worst = 0;
  for (auto* which : {&raw, &logits}) {
    at::Tensor grad = which == &raw ? b.grad() : l.grad();
    at::Tensor flat = which->view({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      at::Tensor plus = which->clone(), minus = which->clone();
      plus.view({-1})[i] += h;
      minus.view({-1})[i] -= h;
      const double numeric = ((which == &raw ? total(plus, logits) : total(raw, plus)) -
                              (which == &raw ? total(minus, logits) : total(raw, minus)))
                                 .item<double>() / (2 * h);
      worst = std::max(worst, std::abs(numeric - grad.view({-1})[i].item<double>()));
    }
  }
  std::printf("    worst gradient error %.3g\n", worst);
  EXPECT_LT(worst, 1e-6);
}

TEST(Train, CheckpointedLayersGiveTheSameGradients) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  torch::manual_seed(21);
  model::Grove g(c);
  // A decoder layer trains too, and LoRA with dropout: its gradients must survive and the recomputation must draw
  // the forward pass's dropout masks again.
  train::add_lora(g, {4, 8.0, 0.3, {"q_proj", "v_proj"}});
  train::select_trainable(g, {"model.layers.1."});
  g->train();
  at::Tensor x = torch::randn({1, 12, c.llama.hidden_size});
  auto grads = [&](bool checkpoint) {
    g->zero_grad();
    torch::manual_seed(5);
    g->checkpoint_layers = checkpoint;
    at::Tensor e = x.clone().requires_grad_(true);
    g->decode(e).pow(2).sum().backward();
    std::vector<at::Tensor> out{e.grad().clone()};
    for (const auto& p : g->named_parameters())
      if (p.value().requires_grad() && p.value().grad().defined()) out.push_back(p.value().grad().clone());
    return out;
  };
  auto plain = grads(false), recomputed = grads(true);
  ASSERT_EQ(plain.size(), recomputed.size());
  ASSERT_GT(plain.size(), 3u);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(torch::allclose(plain[i], recomputed[i], 1e-5, 1e-6)) << i;
}

TEST(Train, LoraStartsAsTheIdentityAndMergesIntoTheWeight) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  torch::manual_seed(22);
  model::Grove g(c);
  g->eval();
  at::Tensor x = torch::randn({1, 7, c.llama.hidden_size});
  at::Tensor before = g->decode(x).detach();
  auto changed = train::add_lora(g, {4, 8.0, 0.0, {"q_proj", "v_proj"}});
  EXPECT_EQ(changed.size(), static_cast<size_t>(2 * c.llama.num_hidden_layers));
  EXPECT_TRUE(torch::equal(g->decode(x).detach(), before));  // B = 0
  auto& q = *g->model->layers[0]->as<model::LlamaLayerImpl>()->self_attn->q_proj;
  {
    torch::NoGradGuard no_grad;
    q.lora_B.normal_();
  }
  at::Tensor v = torch::randn({3, c.llama.hidden_size});
  EXPECT_TRUE(torch::allclose(q.forward(v), torch::linear(v, q.merged_weight()), 1e-5, 1e-5));
  std::set<std::string> on;
  for (const auto& [n, p] : train::select_trainable(g)) on.insert(n);
  EXPECT_TRUE(on.count("model.layers.0.self_attn.q_proj.lora_A"));
  EXPECT_TRUE(on.count("model.layers.1.self_attn.v_proj.lora_B"));
  EXPECT_FALSE(on.count("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_FALSE(on.count("model.layers.0.self_attn.k_proj.lora_A"));
}
