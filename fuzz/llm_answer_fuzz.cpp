// grove-annotate's LLM answers (lib/annotate/answers.h): untrusted text from a model or a server.
// parse_caption_answer on the whole input (a caption it accepts has paired, non-empty tags and its phrases in
// order); parse_label_pairs on it, and match_labels of those pairs against "frame phrase NUL ... NUL NUL video
// phrase NUL ..." taken from the input's tail.
#include <algorithm>
#include <string>
#include <vector>

#include "annotate/answers.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  grove::fuzz::expect_errors([&] {
    const auto c = grove::annotate::parse_caption_answer(text);
    FUZZ_CHECK(!c.phrases.empty());
    for (const auto& p : c.phrases) FUZZ_CHECK(!p.empty() && c.tagged_caption.find("<p>" + p + "</p>") != std::string::npos);
  });
  const auto pairs = grove::annotate::parse_label_pairs(text);
  std::vector<std::string> frame, video;
  bool second = false;
  for (auto part : grove::fuzz::split_nul(text, 64)) {
    if (part.empty()) second = true;
    else (second ? video : frame).emplace_back(part);
  }
  const auto m = grove::annotate::match_labels(pairs, frame, video);
  // Every frame phrase ends up labelled, missing or invalid.
  for (const auto& f : frame)
    FUZZ_CHECK(m.label.count(f) || std::find(m.missing.begin(), m.missing.end(), f) != m.missing.end() ||
               std::find(m.invalid.begin(), m.invalid.end(), f) != m.invalid.end());
  for (const auto& [phrase, index] : m.label) FUZZ_CHECK(index >= -1 && index < static_cast<int>(video.size()));
  return 0;
}
