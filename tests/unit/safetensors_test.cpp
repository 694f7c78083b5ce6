#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "test_util.h"

using namespace grove::io;

namespace {

// A file laid out by hand from the format's definition, independently of write_safetensors.
std::string handmade(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), std::data(v), s.size());
  return s;
}

// The message of the grove::Error that opening path throws.
std::string open_error(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where(), path);
    return e.message();
  }
  return "";
}

}  // namespace

TEST(Safetensors, ReadsAHandmadeFileWithoutCopying) {
  grove::test::TempDir dir;
  grove::test::write_file(dir / "a.safetensors",
                          handmade(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                                   R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[16,18]}})",
                                   floats({1.5f, -2.f, 0.25f, 8.f}) + std::string("\x80\x3f", 2)));
  SafetensorsFile f(dir / "a.safetensors");
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.names(), (std::vector<std::string>{"w", "b"}));
  const TensorView& w = f.get("w");
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 2}));
  float v[4];
  std::memcpy(v, w.data, 16);
  EXPECT_EQ(v[0], 1.5f);
  EXPECT_EQ(v[3], 8.f);
  // Zero-copy: the view points into the mapping.
  EXPECT_GE(w.data, f.mapping()->data());
  EXPECT_LT(w.data, f.mapping()->data() + f.mapping()->size());
  EXPECT_EQ(f.get("b").dtype, DType::BF16);  // 0x3f80 = 1.0 in bfloat16
  EXPECT_EQ(f.get("b").data[1], 0x3f);
  EXPECT_THROW(f.get("missing"), grove::Error);
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  grove::test::TempDir dir;
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<TensorView> tensors;
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                  DType::U8, DType::Bool}) {
    TensorView t;
    t.name = std::string("t_") + dtype_name(d);
    t.dtype = d;
    t.shape = {3, 5};
    buffers.emplace_back(15 * dtype_size(d));
    for (size_t i = 0; i < buffers.back().size(); ++i) buffers.back()[i] = static_cast<uint8_t>(i * 31 + 7);
    t.data = buffers.back().data();
    t.nbytes = buffers.back().size();
    tensors.push_back(t);
  }
  write_safetensors(dir / "all.safetensors", tensors, {{"format", "pt"}, {"source", "grove test"}});
  SafetensorsFile f(dir / "all.safetensors");
  ASSERT_EQ(f.names().size(), tensors.size());
  for (const auto& t : tensors) {
    const TensorView& r = f.get(t.name);
    EXPECT_EQ(r.dtype, t.dtype);
    EXPECT_EQ(r.shape, t.shape);
    ASSERT_EQ(r.nbytes, t.nbytes);
    EXPECT_EQ(std::memcmp(r.data, t.data, t.nbytes), 0) << t.name;
    EXPECT_EQ((r.data - f.mapping()->data()) % static_cast<long>(dtype_size(t.dtype)), 0) << "aligned to its element";
  }
  EXPECT_EQ(f.metadata().at("source"), "grove test");
}

TEST(Safetensors, ShardsOpenAsOneSet) {
  grove::test::TempDir dir;
  float a[2] = {1, 2}, b[3] = {3, 4, 5};
  write_safetensors(dir / "model-00001-of-00002.safetensors", {{"x.weight", DType::F32, {2}, reinterpret_cast<uint8_t*>(a), 8}});
  write_safetensors(dir / "model-00002-of-00002.safetensors", {{"y.weight", DType::F32, {3}, reinterpret_cast<uint8_t*>(b), 12}});
  grove::test::write_file(dir / "model.safetensors.index.json",
                          R"({"metadata":{"total_size":20},"weight_map":{"x.weight":"model-00001-of-00002.safetensors",)"
                          R"("y.weight":"model-00002-of-00002.safetensors"}})");
  SafetensorsSet set(dir.path().string());
  EXPECT_EQ(set.names(), (std::vector<std::string>{"x.weight", "y.weight"}));
  EXPECT_EQ(set.get("y.weight").shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(set.files().size(), 2u);

  grove::test::write_file(dir / "bad.index.json",
                          R"({"weight_map":{"x.weight":"model-00001-of-00002.safetensors","z":"model-00001-of-00002.safetensors"}})");
  EXPECT_THROW(SafetensorsSet(dir / "bad.index.json"), grove::Error);
}

TEST(Safetensors, CorruptFilesAreRefusedWithTheReason) {
  grove::test::TempDir dir;
  const std::string ok = handmade(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1, 2}));
  auto check = [&](const std::string& name, const std::string& bytes, const std::string& expect) {
    grove::test::write_file(dir / name, bytes);
    std::string msg = open_error(dir / name);
    EXPECT_NE(msg.find(expect), std::string::npos) << name << ": " << msg;
  };
  check("truncated", ok.substr(0, ok.size() - 3), "lie outside the 5 data bytes");
  check("short", "abc", "shorter than its 8-byte header length");
  check("claims_more", handmade("{}", "").replace(0, 1, "\x40"), "header claims 64 bytes but the file holds 2");
  check("huge_claim", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "over the 100 MB limit");
  check("not_json", handmade("{oops", ""), "not valid JSON");
  check("bad_dtype", handmade(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", floats({1, 2})),
        "unsupported dtype \"Q4\"");
  check("size_mismatch", handmade(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})),
        "holds 8 bytes but its shape and dtype need 12");
  check("negative_dim", handmade(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})),
        "negative dimension");
  check("overlap",
        handmade(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 floats({1, 2})),
        "overlap");
  EXPECT_EQ(open_error(dir / "missing"), "No such file or directory");
}
