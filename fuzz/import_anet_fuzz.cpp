// grove-convert import-anet (lib/io/dataset_import.h: import_anet). The input is the annotation JSON, optionally
// followed by a NUL and split_ids_anet_entities.json, and by another NUL and the timestamps metadata; a part left
// out (or empty) is not given, as when the option is not.
#include "fuzz_common.h"
#include "io/dataset_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = grove::fuzz::split_nul(std::string_view(reinterpret_cast<const char*>(data), size), 3);
  grove::io::Record json[3];
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    json[i] = grove::io::Record::parse(parts[i], nullptr, false);
    if (json[i].is_discarded()) return 0;  // grove-convert: "not valid JSON"
  }
  grove::fuzz::expect_errors([&] {
    const auto r = grove::io::import_anet(json[0], json[1], {"validation"}, json[2], {"anet-entities", ""}, "fuzz");
    grove::fuzz::use_records(r.samples);
  });
  return 0;
}
