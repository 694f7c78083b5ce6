// grove::io::read_torch_checkpoint (lib/io/torch_checkpoint.h, zip.h, pickle.h): torch.save's zip format and the
// legacy format, through the restricted pickle machine; then every tensor as grove::io::WeightFile hands it out
// (a view of the mapping, or its strided elements gathered) and, for floating dtypes, converted to float.
#include "fuzz_common.h"
#include "io/torch_checkpoint.h"
#include "io/weights.h"

namespace {

using grove::io::CheckpointTensor;

// Every element a tensor can reach lies inside its storage's bytes, which lie inside the mapped file.
void check(const CheckpointTensor& t) {
  const size_t es = grove::io::dtype_size(t.dtype);
  FUZZ_CHECK(es > 0 && t.storage && t.shape.size() == t.strides.size() && t.offset >= 0);
  const grove::io::Storage& s = *t.storage;
  if (s.nbytes > 0) {
    FUZZ_CHECK(s.data && s.file);
    FUZZ_CHECK(s.data >= s.file->data() && s.nbytes <= s.file->size() &&
               static_cast<size_t>(s.data - s.file->data()) <= s.file->size() - s.nbytes);
  }
  int64_t numel = 1, last = t.offset;
  bool empty = false;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    FUZZ_CHECK(t.shape[d] >= 0 && t.strides[d] >= 0);
    FUZZ_CHECK(!__builtin_mul_overflow(numel, t.shape[d], &numel));
    if (t.shape[d] == 0) empty = true;
  }
  if (!empty) {
    for (size_t d = 0; d < t.shape.size(); ++d) {
      int64_t span;
      FUZZ_CHECK(!__builtin_mul_overflow(t.shape[d] - 1, t.strides[d], &span));
      FUZZ_CHECK(!__builtin_add_overflow(last, span, &last));
    }
    FUZZ_CHECK(static_cast<uint64_t>(last) < s.nbytes / es);
  }
  FUZZ_CHECK(t.numel() == numel);
  t.is_contiguous();
  // Gathering a view allocates its logical size, which a stride-0 (expanded) tensor may make far larger than the
  // file: real, and bounded by the caller's shape checks, so only small tensors are gathered here.
  if (static_cast<uint64_t>(numel) * es > (size_t{1} << 24)) return;
  const std::vector<uint8_t> bytes = t.contiguous_bytes();
  FUZZ_CHECK(bytes.size() == static_cast<size_t>(numel) * es);
  if (grove::io::is_floating(t.dtype)) {
    grove::io::TensorView v{t.name, t.dtype, t.shape, bytes.data(), bytes.size()};
    FUZZ_CHECK(grove::io::to_float(v).size() == static_cast<size_t>(numel));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = grove::fuzz::input_path("checkpoint.pt");
  grove::fuzz::write_file(path, data, size);
  grove::fuzz::expect_errors([&] {
    const grove::io::Checkpoint ck = grove::io::read_torch_checkpoint(path);
    for (const auto& t : ck.tensors) check(t);
    for (const auto& [name, value] : ck.values) grove::io::shown(value);  // pickled str may hold any bytes
  });
  return 0;
}
