// The language model's blocks against closed forms and identities: RMSNorm, RoPE's invariants, grouped key/value
// heads equal to full heads with shared weights, cached decoding equal to recomputation, and a whole random GROVE
// model saved and reloaded giving bit-identical outputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "arch/config.h"
#include "io/safetensors.h"
#include "model/grove.h"
#include "model/llama.h"
#include "nn/tensors.h"
#include "test_util.h"

using namespace grove;

namespace {

arch::LlamaConfig tiny_llama(int64_t kv_heads) {
  arch::LlamaConfig c;
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = kv_heads;
  return c;
}

torch::nn::ModuleList two_layers(const arch::LlamaConfig& c) {
  return torch::nn::ModuleList(model::LlamaLayer(c), model::LlamaLayer(c));
}

}  // namespace

TEST(Llama, RmsNormClosedForm) {
  model::RmsNorm n(4, 1e-5);
  n->weight.data().copy_(torch::tensor({1.0f, 2.0f, 0.5f, -1.0f}));
  at::Tensor x = torch::tensor({{3.0f, -4.0f, 0.0f, 0.0f}});
  const double r = std::sqrt((9.0 + 16.0) / 4 + 1e-5);
  at::Tensor want = torch::tensor({{float(3 / r), float(-8 / r), 0.0f, 0.0f}});
  EXPECT_TRUE(torch::allclose(n->forward(x), want, 1e-6, 1e-6));
}

TEST(Llama, Llama3RopeScalingMatchesTransformersFormula) {
  // Llama 3.1 8B's rope_scaling; expected values from transformers' _compute_llama3_parameters formula (Python,
  // float64): index 20 is a short wavelength (kept), 40 and 63 long ones (divided by 8), 30 to 34 the blended band.
  arch::RopeScaling s{"llama3", 8.0, 1.0, 4.0, 8192};
  at::Tensor f = model::rope_inv_freq(128, 500000.0, s, c10::kCPU);
  ASSERT_EQ(f.size(0), 64);
  const std::vector<std::pair<int, double>> want = {{0, 1.0},
                                                    {20, 0.016560440080994446},
                                                    {30, 0.0013718935677611381},
                                                    {32, 0.0005248461609929547},
                                                    {33, 0.00031269375038406517},
                                                    {34, 0.0001785078127679964},
                                                    {36, 7.78465527393245e-05},
                                                    {40, 3.428102195952591e-05},
                                                    {63, 3.068925988914511e-07}};
  for (const auto& [i, v] : want) EXPECT_NEAR(f[i].item<double>() / v, 1.0, 2e-6) << "index " << i;
  at::Tensor plain = model::rope_inv_freq(128, 500000.0, {}, c10::kCPU);
  EXPECT_TRUE(torch::allclose(model::rope_inv_freq(128, 500000.0, {"linear", 4.0}, c10::kCPU), plain / 4.0));
  // The tables use the scaled frequencies.
  auto [cos, sin] = model::rope_tables(torch::arange(0, 3), 128, 500000.0, torch::kFloat32, s);
  EXPECT_NEAR(sin[2][40].item<double>(), std::sin(2 * 3.428102195952591e-05), 1e-7);
}

TEST(Llama, RopeRotatesPairsAndDependsOnlyOnOffsets) {
  const int64_t d = 16;
  auto [cos, sin] = model::rope_tables(torch::arange(0, 40), d, 10000.0, torch::kFloat32);
  // Angle of pair i at position m is m * theta^(-2i/d); position 0 is the identity.
  EXPECT_NEAR(cos[7][3].item<double>(), std::cos(7 * std::pow(10000.0, -6.0 / d)), 1e-6);
  EXPECT_NEAR(sin[7][3 + d / 2].item<double>(), std::sin(7 * std::pow(10000.0, -6.0 / d)), 1e-6);
  at::Tensor q = torch::randn({1, 1, 1, d}), k = torch::randn({1, 1, 1, d});
  auto at_pos = [&](const at::Tensor& x, int64_t m) {
    return model::apply_rope(x, cos.narrow(0, m, 1), sin.narrow(0, m, 1));
  };
  EXPECT_TRUE(torch::allclose(at_pos(q, 0), q));
  // Pairs (i, i + d/2) keep their norm.
  at::Tensor r = at_pos(q, 29);
  at::Tensor pair_q = q.pow(2).view({2, d / 2}).sum(0), pair_r = r.pow(2).view({2, d / 2}).sum(0);
  EXPECT_TRUE(torch::allclose(pair_q, pair_r, 1e-5, 1e-5));
  // <R(m) q, R(n) k> depends on m - n only.
  auto dot = [&](int64_t m, int64_t n) { return (at_pos(q, m) * at_pos(k, n)).sum().item<double>(); };
  EXPECT_NEAR(dot(10, 3), dot(37, 30), 1e-4);
  EXPECT_NEAR(dot(5, 5), dot(0, 0), 1e-4);
  EXPECT_GT(std::abs(dot(10, 3) - dot(3, 10)), 1e-4);  // not symmetric: the offset's sign matters
}

TEST(Llama, GroupedHeadsEqualFullHeadsWithSharedWeights) {
  torch::manual_seed(1);
  arch::LlamaConfig gqa = tiny_llama(2), full = tiny_llama(4);
  model::LlamaAttention a(gqa), b(full);
  torch::NoGradGuard no_grad;
  b->q_proj->weight.copy_(a->q_proj->weight);
  b->o_proj->weight.copy_(a->o_proj->weight);
  const int64_t hd = gqa.head_dim();
  // Each kv head serves two query heads: duplicate its rows.
  b->k_proj->weight.copy_(a->k_proj->weight.view({2, hd, -1}).repeat_interleave(2, 0).reshape({4 * hd, -1}));
  b->v_proj->weight.copy_(a->v_proj->weight.view({2, hd, -1}).repeat_interleave(2, 0).reshape({4 * hd, -1}));
  at::Tensor x = torch::randn({2, 7, gqa.hidden_size});
  auto [cos, sin] = model::rope_tables(torch::arange(0, 7), hd, gqa.rope_theta, torch::kFloat32);
  EXPECT_TRUE(torch::allclose(a->forward(x, cos, sin, nullptr, 0), b->forward(x, cos, sin, nullptr, 0), 1e-5, 1e-6));
}

TEST(Llama, AttentionIsCausal) {
  torch::manual_seed(2);
  arch::LlamaConfig c = tiny_llama(4);
  torch::nn::ModuleList layers = two_layers(c);
  torch::NoGradGuard no_grad;
  at::Tensor x = torch::randn({1, 9, c.hidden_size});
  at::Tensor y = x.clone();
  y.narrow(1, 6, 3).normal_();  // change the future
  EXPECT_TRUE(torch::equal(model::run_layers(layers, c, x, nullptr).narrow(1, 0, 6), model::run_layers(layers, c, y, nullptr).narrow(1, 0, 6)));
}

TEST(Llama, CachedDecodingEqualsRecomputation) {
  torch::manual_seed(3);
  for (int64_t kv : {4, 2, 1}) {
    arch::LlamaConfig c = tiny_llama(kv);
    torch::nn::ModuleList layers = two_layers(c);
    torch::NoGradGuard no_grad;
    at::Tensor x = torch::randn({1, 23, c.hidden_size});
    at::Tensor full = model::run_layers(layers, c, x, nullptr);
    model::KvCache cache;
    std::vector<at::Tensor> parts{model::run_layers(layers, c, x.narrow(1, 0, 11), &cache)};
    for (int64_t t = 11; t < 23; ++t) parts.push_back(model::run_layers(layers, c, x.narrow(1, t, 1), &cache));  // buffers grow
    EXPECT_EQ(cache.length, 23);
    EXPECT_TRUE(torch::allclose(torch::cat(parts, 1), full, 1e-5, 1e-5)) << "kv heads " << kv;
  }
}

TEST(Grove, SavedAndReloadedModelGivesBitIdenticalOutputs) {
  torch::manual_seed(4);
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/golden-tiny.json"));
  model::Grove a(c), b(c);
  torch::NoGradGuard no_grad;
  for (auto& p : a->named_parameters())
    if (p.key().find(".alpha") != std::string::npos) p.value().fill_(0.3);  // adapters active
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& p : a->named_parameters()) named.emplace_back(p.key(), p.value());
  for (const auto& p : a->named_buffers()) named.emplace_back(p.key(), p.value());
  test::TempDir dir;
  std::string path = dir / "tiny.safetensors";
  nn::save_safetensors(path, named);
  io::SafetensorsSet set(path);
  nn::load_module(*b, nn::views(set), "", path);

  model::WindowPixels px{torch::randn({8, 3, 336, 336}), torch::randn({8, 3, 512, 512})};
  std::vector<int64_t> v{1, 5, 507, -200, 508, 9, 505, 30, 506, 509, 11, 505, 40, 506, 509, 2};
  at::Tensor ids = torch::tensor(v, torch::kLong);
  model::TeacherForced oa = model::teacher_forced(a, px, ids), ob = model::teacher_forced(b, px, ids);
  EXPECT_EQ(oa.det_at, (std::vector<int64_t>{575 + 8, 575 + 13}));  // the ids before each [DET]: 506 at 8 and 13
  EXPECT_TRUE(torch::equal(oa.logits, ob.logits));
  EXPECT_TRUE(torch::equal(torch::stack(oa.boxes.boxes), torch::stack(ob.boxes.boxes)));
  EXPECT_TRUE(torch::equal(torch::stack(oa.boxes.logits), torch::stack(ob.boxes.logits)));
}
