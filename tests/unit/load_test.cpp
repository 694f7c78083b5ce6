// Model directories loaded as runnable networks (lib/model/load, lib/nn/layers): the released 7B architecture loads
// by name from a 7B-shaped checkpoint, with every tensor used in place; layers built without initialisation or in
// another dtype; and the bf16 details the original's bf16 inference has (box arithmetic, dense PE).
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "arch/layout.h"
#include "arch/model_dir.h"
#include "core/error.h"
#include "model/boxes.h"
#include "model/load.h"
#include "model/sam_prompt.h"
#include "nn/layers.h"
#include "nn/tensors.h"
#include "test_util.h"

using namespace grove;

namespace {

// A safetensors file with every tensor of the layout in bf16, its data a hole: the file system stores no bytes for
// it and reads give zeros, so a 16 GB checkpoint costs nothing to make.
void write_sparse_checkpoint(const std::string& path, const std::vector<arch::TensorSpec>& layout) {
  nlohmann::ordered_json header;
  uint64_t offset = 0;
  for (const auto& t : layout) {
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * 2;
    header[t.name] = {{"dtype", "BF16"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t n = text.size();
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << text;
  }
  std::filesystem::resize_file(path, 8 + n + offset);
}

}  // namespace

TEST(Load, A7BShapedCheckpointLoadsByNameWithEveryTensorUsedInPlace) {
  const arch::Config c = arch::load_config(test::source_path("share/grove/configs/grove-7b.json"));
  const auto layout = arch::tensor_layout(c);
  test::TempDir dir;
  std::filesystem::copy_file(test::source_path("share/grove/configs/grove-7b.json"), dir / "config.json");
  write_sparse_checkpoint(dir / "model.safetensors", layout);
  const arch::ModelDir model(dir.path().string());  // checks names and shapes against reference/model.md 3.1

  model::Grove g = model::load_grove(model, {c10::Device(c10::kCPU), c10::kBFloat16, true});
  const auto& mapping = model.weights().files().at(0).mapping();
  const auto* begin = mapping->data();
  const auto* end = begin + mapping->size();
  int64_t params = 0;
  size_t tensors = 0;
  std::map<std::string, std::vector<int64_t>> registered;
  for (const auto& p : g->named_parameters()) registered[p.key()] = p.value().sizes().vec();
  for (const auto& b : g->named_buffers()) registered[b.key()] = b.value().sizes().vec();
  for (const auto& t : layout) {
    ASSERT_TRUE(registered.count(t.name)) << t.name;
    EXPECT_EQ(registered[t.name], t.shape) << t.name;
  }
  EXPECT_EQ(registered.size(), layout.size());  // and nothing else
  for (const auto& p : g->parameters()) {
    EXPECT_EQ(p.scalar_type(), c10::kBFloat16);
    const auto* at = static_cast<const uint8_t*>(p.data_ptr());
    EXPECT_TRUE(at >= begin && at < end) << "a parameter was copied instead of mapped";
    params += p.numel();
    ++tensors;
  }
  std::printf("7B layout: %zu tensors, %.3f B parameters, all mapped in place\n", tensors, params / 1e9);
  EXPECT_GT(params, int64_t{8'000'000'000});
  EXPECT_EQ(g->lm_head->weight.sizes(), (std::vector<int64_t>{32010, 4096}));
  EXPECT_EQ(g->model->embed_tokens->weight.sizes(), (std::vector<int64_t>{32010, 4096}));

  // The loaded network runs: an embedding lookup and lm_head's first rows read the (zero) mapped values.
  torch::NoGradGuard no_grad;
  at::Tensor e = g->model->embed_tokens->forward(torch::tensor({1, 32009}, torch::kLong));
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{2, 4096}));
  EXPECT_EQ(e.abs().sum().item<float>(), 0.0f);
}

TEST(Load, WeightsInAnotherDtypeAreConvertedAndAWrongShapeIsNamed) {
  const arch::Config c = arch::load_config(test::source_path("share/grove/configs/golden-tiny.json"));
  test::TempDir dir;
  std::filesystem::copy_file(test::source_path("share/grove/configs/golden-tiny.json"), dir / "config.json");
  model::Grove ref(c);
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& p : ref->named_parameters()) named.emplace_back(p.key(), p.value());
  for (const auto& b : ref->named_buffers()) named.emplace_back(b.key(), b.value());
  nn::save_safetensors(dir / "model.safetensors", named);

  const arch::ModelDir model(dir.path().string());
  model::Grove f32 = model::load_grove(model, {c10::Device(c10::kCPU), c10::kFloat, true});
  model::Grove bf16 = model::load_grove(model, {c10::Device(c10::kCPU), c10::kBFloat16, true});
  auto a = f32->named_parameters(), b = bf16->named_parameters();
  for (const auto& p : ref->named_parameters()) {
    EXPECT_TRUE(torch::equal(a[p.key()], p.value())) << p.key();
    EXPECT_EQ(b[p.key()].scalar_type(), c10::kBFloat16);
    EXPECT_TRUE(torch::equal(b[p.key()], p.value().to(c10::kBFloat16))) << p.key();
  }
  // Built for another config, the module finds the checkpoint's shapes wrong and says which.
  arch::Config other = c;
  other.llama.intermediate_size = 128;
  model::Grove wrong{nullptr};
  {
    nn::BuildScope scope({c10::TensorOptions().dtype(c10::kFloat), false});
    wrong = model::Grove(other);
  }
  try {
    nn::load_module(*wrong, nn::views(model.weights()), "", dir.path().string());
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << e.what();
  }
}

TEST(Load, LayersComputeWhatTorchNnComputesAndSkipInitialisationWhenAsked) {
  torch::manual_seed(3);
  nn::Linear mine(5, 7);
  torch::manual_seed(3);
  torch::nn::Linear theirs(5, 7);
  EXPECT_TRUE(torch::equal(mine->weight, theirs->weight));  // the same initialisation, draw for draw
  EXPECT_TRUE(torch::equal(mine->bias, theirs->bias));
  at::Tensor x = torch::randn({3, 5});
  EXPECT_TRUE(torch::equal(mine->forward(x), theirs->forward(x)));

  torch::manual_seed(4);
  nn::ConvTranspose2d ct(nn::ConvSpec{4, 2, 2, 2});
  torch::manual_seed(4);
  torch::nn::ConvTranspose2d tct(torch::nn::ConvTranspose2dOptions(4, 2, 2).stride(2));
  EXPECT_TRUE(torch::equal(ct->weight, tct->weight));
  EXPECT_TRUE(torch::equal(ct->bias, tct->bias));
  at::Tensor img = torch::randn({1, 4, 3, 3});
  EXPECT_TRUE(torch::equal(ct->forward(img), tct->forward(img)));

  torch::manual_seed(5);
  nn::Conv3d c3(nn::ConvSpec{2, 2, 3, 1, 1});
  torch::manual_seed(5);
  torch::nn::Conv3d tc3(torch::nn::Conv3dOptions(2, 2, 3).padding(1));
  EXPECT_TRUE(torch::equal(c3->weight, tc3->weight));
  at::Tensor vol = torch::randn({1, 2, 3, 4, 4});
  EXPECT_TRUE(torch::equal(c3->forward(vol), tc3->forward(vol)));

  nn::LayerNorm ln(6, 1e-6);
  torch::nn::LayerNorm tln(torch::nn::LayerNormOptions({6}).eps(1e-6));
  at::Tensor v = torch::randn({2, 6});
  EXPECT_TRUE(torch::equal(ln->forward(v), tln->forward(v)));

  {
    nn::BuildScope scope({c10::TensorOptions().dtype(c10::kBFloat16), false});
    torch::manual_seed(6);
    nn::Linear lazy(4, 4);
    EXPECT_EQ(lazy->weight.scalar_type(), c10::kBFloat16);
    at::Tensor next = torch::rand({1});  // no random draws were spent on the uninitialised layer
    torch::manual_seed(6);
    EXPECT_TRUE(torch::equal(next, torch::rand({1})));
  }
  EXPECT_EQ(nn::Linear(2, 2)->weight.scalar_type(), c10::kFloat);  // the scope ended
}

TEST(Bf16, BoxArithmeticIsDoneInBf16AsTheOriginalDoes) {
  // cx 0.7, cy 0.6, w 0.3, h 0.2 of a 1920x1080 frame. In bf16: 0.7 -> 0.69921875, * 1920 = 1342.5 -> 1344 (bf16
  // numbers are 8 apart in 1024..2047); 0.3 -> 0.30078125, * 1920 = 577.5 -> 576 (4 apart in 512..1023), / 2 = 288;
  // so x1 = 1056 and x2 = 1632, where float32 gives 1053.75 and 1631.25. Likewise 0.6 -> 0.6015625 * 1080 = 649.6875
  // -> 648 (4 apart in 512..1023), 0.2 -> 0.2001953125 * 1080 = 216.2109375 -> 216, / 2 = 108: y1 = 540, y2 = 756.
  at::Tensor b = torch::tensor({{0.7f, 0.6f, 0.3f, 0.2f}}).to(c10::kBFloat16);
  at::Tensor px = model::to_pixel_xyxy(b, 1920, 1080);
  EXPECT_EQ(px.scalar_type(), c10::kBFloat16);
  EXPECT_TRUE(torch::equal(px.to(c10::kFloat), torch::tensor({{1056.0f, 540.0f, 1632.0f, 756.0f}})))
      << px.to(c10::kFloat);
  at::Tensor f32 = model::to_pixel_xyxy(b.to(c10::kFloat), 1920, 1080);
  EXPECT_FLOAT_EQ(f32[0][0].item<float>(), 1053.75f);
}

TEST(Bf16, DensePositionalEncodingIsComputedInBf16) {
  // A bf16 prompt encoder computes the dense PE in bf16 step by step, as the original's bf16 model does; the same
  // Gaussian matrix in float32, rounded at the end, gives other values.
  const int64_t feats = 8, grid = 16;
  model::PositionEmbeddingRandom pe(feats);
  at::Tensor g32 = pe->positional_encoding_gaussian_matrix.clone();
  pe->to(c10::kBFloat16);
  at::Tensor ours = pe->forward(grid, grid);
  ASSERT_EQ(ours.scalar_type(), c10::kBFloat16);
  // By hand, every intermediate rounded to bf16: (i + 0.5) / grid coordinates, 2c - 1, the product, 2 pi, sin/cos.
  auto bf = [](const at::Tensor& t) { return t.to(c10::kBFloat16); };
  at::Tensor g = bf(g32);
  at::Tensor out = torch::empty({1, 2 * feats, grid, grid}, torch::kFloat);
  for (int64_t y = 0; y < grid; ++y)
    for (int64_t x = 0; x < grid; ++x) {
      at::Tensor cx = bf(bf(torch::tensor(x + 1.0f) - 0.5f) / grid), cy = bf(bf(torch::tensor(y + 1.0f) - 0.5f) / grid);
      at::Tensor c = bf(bf(torch::stack({cx, cy}) * 2) - 1);
      at::Tensor proj = bf(torch::matmul(c.unsqueeze(0), g) * (2 * M_PI))[0];
      out.index_put_({0, torch::indexing::Slice(0, feats), y, x}, bf(torch::sin(proj)).to(torch::kFloat));
      out.index_put_({0, torch::indexing::Slice(feats, 2 * feats), y, x}, bf(torch::cos(proj)).to(torch::kFloat));
    }
  EXPECT_LE((ours.to(torch::kFloat) - out).abs().max().item<float>(), 1.0f / 128) << "more than one bf16 step apart";
  pe->to(c10::kFloat);
  pe->positional_encoding_gaussian_matrix.copy_(g.to(c10::kFloat));
  at::Tensor rounded_late = pe->forward(grid, grid).to(c10::kBFloat16);
  EXPECT_FALSE(torch::equal(ours, rounded_late)) << "bf16 and float32 arithmetic gave the same PE";
}
