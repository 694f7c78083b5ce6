// grove-convert import-iground's readers (lib/io/dataset_import.h): an input whose first non-blank byte is '{' is
// a JSON Lines release (import_howtoground_jsonl), anything else an annotation pickle, a dict of clips or one clip
// (import_howtoground_pickle, through the restricted pickle machine and its numpy arrays).
#include "fuzz_common.h"
#include "io/dataset_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const grove::io::ImportTags tags{"iground", "test"};
  grove::fuzz::expect_errors([&] {
    const size_t first = text.find_first_not_of(" \t\r\n");
    const grove::io::ImportResult r = first != std::string_view::npos && text[first] == '{'
                                          ? grove::io::import_howtoground_jsonl(text, tags, "fuzz")
                                          : grove::io::import_howtoground_pickle(text, "vidA_0", tags, "fuzz");
    grove::fuzz::use_records(r.samples);
  });
  return 0;
}
