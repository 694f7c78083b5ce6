// PyTorch checkpoints made by torch.save itself (tests/data/torch/make_fixtures.py, run once with Debian's
// python3-torch): every NAME.pt there is read and compared, tensor by tensor and byte for byte, with
// NAME.expected.safetensors, which the same script wrote by hand from the same tensors made contiguous.
#include "io/torch_checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "io/pickle.h"
#include "test_util.h"

using namespace grove::io;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  fs::path dir = grove::test::source_path("tests/data/torch");
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".pt") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
std::string expected_path(const std::string& pt) {
  return pt.substr(0, pt.size() - 3) + ".expected.safetensors";
}
}  // namespace

TEST(TorchCheckpoint, EveryFixtureMatchesWhatTorchSaved) {
  auto all = fixtures();
  ASSERT_GE(all.size(), 6u) << "fixtures missing in tests/data/torch";
  for (const auto& pt : all) {
    SCOPED_TRACE(pt);
    SafetensorsFile expected(expected_path(pt));
    Record meta = Record::object();
    if (expected.metadata().count("non_tensors")) meta = Record::parse(expected.metadata().at("non_tensors"));
    if (expected.metadata().count("forbidden_global")) {
      try {
        read_torch_checkpoint(pt);
        ADD_FAILURE() << "a checkpoint calling " << expected.metadata().at("forbidden_global") << " was accepted";
      } catch (const grove::Error& e) {
        EXPECT_EQ(e.where(), pt);
        std::string global = expected.metadata().at("forbidden_global");
        std::replace(global.begin(), global.end(), ' ', '.');
        EXPECT_NE(e.message().find("refusing global " + global), std::string::npos) << e.message();
      }
      continue;
    }
    Checkpoint ck = read_torch_checkpoint(pt);
    EXPECT_EQ(ck.legacy, pt.find("legacy") != std::string::npos);
    EXPECT_EQ(ck.tensors.size(), expected.names().size());
    for (const auto& name : expected.names()) {
      const CheckpointTensor* t = ck.find(name);
      ASSERT_NE(t, nullptr) << "missing tensor " << name;
      const TensorView& want = expected.get(name);
      EXPECT_EQ(t->dtype, want.dtype) << name;
      EXPECT_EQ(t->shape, want.shape) << name;
      auto bytes = t->contiguous_bytes();
      ASSERT_EQ(bytes.size(), want.nbytes) << name;
      EXPECT_TRUE(want.nbytes == 0 || std::memcmp(bytes.data(), want.data, want.nbytes) == 0) << name << " differs";
    }
    for (const auto& [name, value] : meta.items()) {
      auto it = std::find_if(ck.values.begin(), ck.values.end(), [&](const auto& v) { return v.first == name; });
      ASSERT_NE(it, ck.values.end()) << "missing value " << name;
      if (value.is_number_float()) EXPECT_DOUBLE_EQ(it->second.get<double>(), value.get<double>()) << name;
      else EXPECT_EQ(it->second, value) << name;
    }
  }
}

TEST(TorchCheckpoint, SharedStoragesAndViewsPointIntoTheMapping) {
  Checkpoint ck = read_torch_checkpoint(grove::test::source_path("tests/data/torch/views.pt"));
  const CheckpointTensor *base = ck.find("base"), *rows = ck.find("rows"), *t = ck.find("t");
  ASSERT_TRUE(base && rows && t);
  EXPECT_EQ(base->storage, rows->storage) << "one storage, shared";
  EXPECT_EQ(rows->offset, 16);
  EXPECT_FALSE(t->is_contiguous());
  EXPECT_EQ(t->strides, (std::vector<int64_t>{1, 8}));
  EXPECT_NE(base->storage->file, nullptr) << "zero-copy: the storage is a view of the mapped file";
  const CheckpointTensor* param = ck.find("param");
  ASSERT_TRUE(param);
  EXPECT_TRUE(param->requires_grad);
}

TEST(TorchCheckpoint, TruncatedFilesAreRefused) {
  grove::test::TempDir dir;
  for (const char* name : {"nested.pt", "legacy.pt"}) {
    std::string bytes = grove::test::read_file(grove::test::source_path(std::string("tests/data/torch/") + name));
    for (size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 10}) {
      grove::test::write_file(dir / "cut.pt", bytes.substr(0, cut));
      EXPECT_THROW(read_torch_checkpoint(dir / "cut.pt"), grove::Error) << name << " cut at " << cut;
    }
  }
  grove::test::write_file(dir / "text.pt", "hello");
  try {
    read_torch_checkpoint(dir / "text.pt");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.message(), "not a PyTorch checkpoint (neither a ZIP archive nor the legacy format)");
  }
}

TEST(Pickle, RefusesUnknownOpcodesAndGlobalsOutsideTheAllowedSet) {
  PickleHooks hooks;
  hooks.allowed_globals = {"collections.OrderedDict"};
  try {
    unpickle(std::string("\x80\x02\xff.", 4), hooks, "x.pkl");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.message(), "unknown or unsupported pickle opcode 0xff at byte 2 of the pickle");
  }
  try {
    static const char kEvil[] = "\x80\x02" "cos\nsystem\n" "X\x02\x00\x00\x00" "hiR.";
    unpickle(std::string(kEvil, sizeof kEvil - 1), hooks, "x.pkl");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_NE(e.message().find("refusing global os.system"), std::string::npos) << e.message();
  }
  EXPECT_THROW(unpickle(std::string("\x80\x02X\xff\xff\xff\x7f", 8), hooks, "x.pkl"), grove::Error);  // length > data
  EXPECT_THROW(unpickle(std::string("\x80\x02]", 3), hooks, "x.pkl"), grove::Error);                 // no STOP
}

TEST(Pickle, ReadsPlainValues) {
  // {'a': [1, -2, 3.5, True, None], 'b': (b'xy', 'é', 300, 2**40)} pickled with protocol 2 by CPython.
  static const char kP[] =
      "\x80\x02}q\x00(X\x01\x00\x00\x00" "aq\x01]q\x02(K\x01J\xfe\xff\xff\xffG@\x0c\x00\x00\x00\x00\x00\x00\x88Ne"
      "X\x01\x00\x00\x00" "bq\x03(c_codecs\nencode\nq\x04X\x02\x00\x00\x00xyq\x05X\x06\x00\x00\x00latin1q\x06\x86q\x07Rq\x08"
      "X\x02\x00\x00\x00\xc3\xa9q\tM,\x01\x8a\x06\x00\x00\x00\x00\x00\x01tq\nu.";
  const std::string p(kP, sizeof kP - 1);
  PickleHooks hooks;
  hooks.allowed_globals = {"_codecs.encode"};
  hooks.call = [](const std::string& g, const PyRef& args) { return PyObject::bytes(args->items.at(0)->s); };
  PyRef v = unpickle(p, hooks, "x.pkl");
  ASSERT_EQ(v->type, PyObject::Type::Dict);
  PyRef a = v->get("a"), b = v->get("b");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->items.size(), 5u);
  EXPECT_EQ(a->items[1]->i, -2);
  EXPECT_EQ(a->items[2]->f, 3.5);
  EXPECT_TRUE(a->items[3]->b);
  EXPECT_EQ(a->items[4]->type, PyObject::Type::None);
  ASSERT_EQ(b->items.size(), 4u);
  EXPECT_EQ(b->items[0]->s, "xy");
  EXPECT_EQ(b->items[1]->s, "\xc3\xa9");
  EXPECT_EQ(b->items[2]->i, 300);
  EXPECT_EQ(b->items[3]->i, int64_t{1} << 40);
}

TEST(Pickle, CyclesAreBuiltAsWrittenAndAbsurdMemoIndicesRefused) {
  // A list appended to itself (EMPTY_LIST, DUP, APPEND, STOP): the machine builds what the pickle says; the
  // checkpoint reader's depth bound is what stops flattening such a value.
  PickleHooks hooks;
  PyRef cyclic = unpickle(std::string("\x80\x02]2a.", 6), hooks, "x.pkl");
  ASSERT_EQ(cyclic->type, PyObject::Type::List);
  EXPECT_EQ(cyclic->items.at(0), cyclic) << "the machine builds the cycle as pickle says";
  cyclic->items.clear();  // break the cycle so the test does not leak
  // A memo index far beyond the input is refused before any memory is reserved for it.
  EXPECT_THROW(unpickle(std::string("\x80\x02Nr\xff\xff\xff\x7f.", 9), hooks, "x.pkl"), grove::Error);
}

TEST(TorchCheckpoint, TensorsReachingOutsideTheirStorageAreRefused) {
  // Rewrite the storage offset of views.pt's "col" tensor (offset 5 into a 48-element storage) through the pickle
  // machine's handler: a bad offset, stride or size must be refused, whatever the file claims.
  grove::test::TempDir dir;
  std::string bytes = grove::test::read_file(grove::test::source_path("tests/data/torch/views.pt"));
  // In data.pkl, "col" is _rebuild_tensor_v2(storage, 5, (6,), (8,), ...): BININT1 5 then a TUPLE1 of BININT1 6.
  const std::string pattern("K\x05K\x06\x85", 5);
  size_t at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos) << "the fixture's pickle changed";
  for (char offset : {'\x05', '\x0b'}) {  // 5: fine; 11: 11 + 5 * 8 = 51 >= 48
    bytes[at + 1] = offset;
    grove::test::write_file(dir / "v.pt", bytes);
    if (offset == '\x05') {
      EXPECT_NO_THROW(read_torch_checkpoint(dir / "v.pt"));
    } else {
      try {
        read_torch_checkpoint(dir / "v.pt");
        ADD_FAILURE() << "a tensor reaching element 51 of 48 was accepted";
      } catch (const grove::Error& e) {
        EXPECT_NE(e.message().find("reaches element 51 of a storage of 48"), std::string::npos) << e.message();
      }
    }
  }
}

TEST(TorchCheckpoint, ACyclicObjectIsRefusedNotRecursedForever) {
  // A legacy-format file whose object is a list containing itself.
  static const char kFile[] =
      "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."  // magic
      "\x80\x02M\xe9\x03."                                        // protocol version 1001
      "\x80\x02}."                                                // sys_info
      "\x80\x02]2a."                                              // the object: l = []; l.append(l)
      "\x80\x02].";                                               // no storages
  grove::test::TempDir dir;
  grove::test::write_file(dir / "cyclic.pt", std::string(kFile, sizeof kFile - 1));
  try {
    read_torch_checkpoint(dir / "cyclic.pt");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_NE(e.message().find("nests deeper than 256 levels (or is cyclic)"), std::string::npos) << e.message();
  }
}
