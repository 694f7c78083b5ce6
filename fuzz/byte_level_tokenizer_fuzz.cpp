// The byte-level BPE tokenizer (lib/text/byte_level_tokenizer.h) on arbitrary text, with the tiny Llama 3 style
// tokenizer.json of the tests (Llama 3's pre-tokenizer regex on ICU, special tokens, ignore_merges): encoding never
// fails, every id is in the vocabulary, and decoding gives the text back (each ill-formed UTF-8 subpart as one U+FFFD), since byte-level
// BPE loses nothing.
#include <string>

#include "core/utf8.h"
#include "fuzz_common.h"
#include "text/byte_level_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizer =
      grove::text::ByteLevelTokenizer::load(GROVE_SOURCE_DIR "/tests/data/annotate/tiny-llama3/tokenizer.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto ids = tokenizer.encode(text);
  for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < tokenizer.size());
  FUZZ_CHECK(tokenizer.decode(ids) == grove::utf8_replace(text));
  return 0;
}
