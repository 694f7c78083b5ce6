// grove-convert import-youcook (lib/io/dataset_import.h: import_youcook_pickle) on a YouCook-Interactions
// ground-truth pickle, through the restricted pickle machine and its numpy arrays.
#include "fuzz_common.h"
#include "io/dataset_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  grove::fuzz::expect_errors([&] {
    const auto r = grove::io::import_youcook_pickle(text, "youcook", {"youcook-interactions", ""}, "fuzz");
    grove::fuzz::use_records(r.samples);
  });
  return 0;
}
