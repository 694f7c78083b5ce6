// The caption texts (lib/text/caption.h): answer_of_decoded and parse_answer on the input as a decoded model
// output, and tagged_answer on "caption NUL tagged caption NUL phrase NUL phrase ..." (a sample's fields), with
// and without keep_case.
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "text/caption.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string answer = grove::text::answer_of_decoded(text);
  FUZZ_CHECK(answer.size() <= text.size());
  grove::text::parse_answer(answer);
  grove::text::parse_answer(text);
  const auto parts = grove::fuzz::split_nul(text, SIZE_MAX);
  if (parts.size() < 2) return 0;
  const std::vector<std::string> phrases(parts.begin() + 2, parts.end());
  for (bool keep_case : {false, true}) {
    grove::fuzz::expect_errors([&] {
      const auto a = grove::text::tagged_answer(std::string(parts[0]), std::string(parts[1]), phrases, keep_case);
      FUZZ_CHECK(a.phrases.size() == phrases.size());
    });
  }
  return 0;
}
