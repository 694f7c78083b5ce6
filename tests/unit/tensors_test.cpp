#include "nn/tensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_util.h"

using namespace grove;

TEST(Tensors, CheckpointTensorsAreViewsOfTheMappedFile) {
  io::Checkpoint ck = io::read_torch_checkpoint(test::source_path("tests/data/torch/views.pt"));
  at::Tensor base = nn::view(*ck.find("base"));
  at::Tensor rows = nn::view(*ck.find("rows")), t = nn::view(*ck.find("t")), strided = nn::view(*ck.find("strided"));
  at::Tensor want = torch::arange(48, torch::kFloat32).reshape({6, 8});
  EXPECT_TRUE(torch::equal(base, want));
  EXPECT_TRUE(torch::equal(rows, want.slice(0, 2, 4)));
  EXPECT_TRUE(torch::equal(t, want.t()));
  EXPECT_TRUE(torch::equal(strided, want.slice(1, 0, 8, 3)));
  // No copy: the views share the mapped bytes.
  EXPECT_EQ(rows.data_ptr<float>(), base.data_ptr<float>() + 16);
  const auto* map = ck.find("base")->storage->file.get();
  EXPECT_GE(static_cast<const uint8_t*>(base.data_ptr()), map->data());
  EXPECT_LT(static_cast<const uint8_t*>(base.data_ptr()), map->data() + map->size());
}

TEST(Tensors, EveryDtypeRoundTripsThroughSafetensorsBitExactly) {
  test::TempDir dir;
  io::Checkpoint ck = io::read_torch_checkpoint(test::source_path("tests/data/torch/all_dtypes.pt"));
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& t : ck.tensors) tensors.emplace_back(t.name, nn::view(t));
  nn::save_safetensors(dir / "out.safetensors", tensors, {{"source", "all_dtypes.pt"}});
  io::SafetensorsFile f(dir / "out.safetensors");
  EXPECT_EQ(f.metadata().at("source"), "all_dtypes.pt");
  for (const auto& [name, t] : tensors) {
    at::Tensor back = nn::view(f.get(name), f.mapping());
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), t.sizes()) << name;
    // Bit-exact, NaNs included: compare the raw bytes.
    ASSERT_EQ(back.numel() * back.element_size(), t.numel() * t.element_size());
    if (back.numel() > 0) {
      EXPECT_EQ(std::memcmp(back.data_ptr(), t.contiguous().data_ptr(), back.numel() * back.element_size()), 0) << name;
    }
  }
  // The tensor keeps its mapping alive after the file object is gone.
  at::Tensor survivor;
  {
    io::SafetensorsFile g(dir / "out.safetensors");
    survivor = nn::view(g.get("f32"), g.mapping());
  }
  EXPECT_TRUE(torch::equal(survivor.nan_to_num(0), nn::view(*ck.find("f32")).nan_to_num(0)));
}
