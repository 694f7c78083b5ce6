// grove::io::SafetensorsFile (lib/io/safetensors.h): the header length, the JSON header, every tensor's dtype,
// shape and byte range; then each view checked to lie inside the mapping and, for floating dtypes, converted.
#include "fuzz_common.h"
#include "io/safetensors.h"
#include "io/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = grove::fuzz::input_path("weights.safetensors");
  grove::fuzz::write_file(path, data, size);
  grove::fuzz::expect_errors([&] {
    const grove::io::SafetensorsFile f(path);
    const grove::io::MappedFile& m = *f.mapping();
    for (const auto& name : f.names()) {
      const grove::io::TensorView& v = f.get(name);
      const size_t es = grove::io::dtype_size(v.dtype);
      FUZZ_CHECK(es > 0);
      if (v.nbytes > 0) {
        FUZZ_CHECK(v.data >= m.data() && v.nbytes <= m.size() && static_cast<size_t>(v.data - m.data()) <= m.size() - v.nbytes);
      }
      const int64_t numel = v.numel();
      FUZZ_CHECK(numel >= 0 && static_cast<uint64_t>(numel) * es == v.nbytes);
      if (grove::io::is_floating(v.dtype) && v.nbytes <= (size_t{1} << 24)) {
        FUZZ_CHECK(grove::io::to_float(v).size() == static_cast<size_t>(numel));
      }
    }
    for (const auto& [k, value] : f.metadata()) (void)value;
  });
  return 0;
}
