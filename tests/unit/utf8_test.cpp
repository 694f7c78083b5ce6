// core/utf8.h: decoding, encoding and lossy repair agree with Python's UTF-8 codec on valid and invalid bytes.
#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grove {
namespace {

std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0, n = 0; i < s.size(); i += n) out.push_back(utf8_decode(s, i, &n));
  return out;
}

TEST(Utf8, DecodesEverySequenceLengthAndEncodesItBack) {
  const std::vector<char32_t> cps = {U'a', U'\u00e9', U'\u0100', U'\u20ac', U'\U0001F600', U'\u07ff', U'\uffff'};
  std::string s;
  for (char32_t cp : cps) utf8_append(cp, s);
  EXPECT_EQ(s, "a\xc3\xa9\xc4\x80\xe2\x82\xac\xf0\x9f\x98\x80\xdf\xbf\xef\xbf\xbf");
  EXPECT_EQ(code_points(s), cps);
  EXPECT_EQ(utf8_lossy(s), s);
}

TEST(Utf8, MalformedBytesDecodeAsThemselves) {
  // A truncated 3-byte sequence at the end, a lead byte followed by ASCII, a stray continuation byte.
  EXPECT_EQ(code_points("x\xe2\x82"), (std::vector<char32_t>{U'x', 0xE2, 0x82}));
  EXPECT_EQ(code_points("\xc3(\x80"), (std::vector<char32_t>{0xC3, U'(', 0x80}));
}

// The expected strings are Python 3's bytes.decode("utf-8", "replace") (utf8_replace) and SentencePiece's
// per-byte repair (utf8_lossy) of the same bytes.
TEST(Utf8, RepairsIllFormedBytesAsPythonAndSentencePieceDo) {
  const std::string R = "\xef\xbf\xbd";
  struct Case {
    std::string bytes, python, sentencepiece;
  };
  const std::vector<Case> cases = {
      {"x\xe2\x82", "x" + R, "x" + R + R},                            // truncated
      {"\xc3(\x80", R + "(" + R, R + "(" + R},                        // lead then ASCII; stray continuation
      {"\xf0\x90\x80W", R + "W", R + R + R + "W"},                    // 4-byte sequence cut after 3
      {"\xed\xa0\x80", R + R + R, R + R + R},                         // a surrogate
      {"\xc0\xaf", R + R, R + R},                                     // overlong '/'
      {"\xe0\x80\x80", R + R + R, R + R + R},                         // overlong NUL
      {"\xf4\x90\x80\x80", R + R + R + R, R + R + R + R},             // above U+10FFFF
      {"\xc3\xa9\xe6\x9d", "\xc3\xa9" + R, "\xc3\xa9" + R + R},       // a valid character, then a cut one
  };
  for (const auto& c : cases) {
    EXPECT_EQ(utf8_replace(c.bytes), c.python) << c.bytes;
    EXPECT_EQ(utf8_lossy(c.bytes), c.sentencepiece) << c.bytes;
  }
}

}  // namespace
}  // namespace grove
