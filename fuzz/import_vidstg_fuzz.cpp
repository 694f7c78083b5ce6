// grove-convert import-vidstg (lib/io/dataset_import.h: import_vidstg) on a TubeDETR-style VidSTG JSON file.
#include "fuzz_common.h"
#include "io/dataset_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const grove::io::Record json = grove::io::Record::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;  // grove-convert: "not valid JSON"
  grove::fuzz::expect_errors([&] {
    grove::fuzz::use_records(grove::io::import_vidstg(json, {"vidstg", "test"}, "fuzz").samples);
  });
  return 0;
}
