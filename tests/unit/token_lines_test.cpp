// The line formats of grove-convert tokenize/detokenize (lib/text/token_lines).
#include <gtest/gtest.h>

#include "core/error.h"
#include "text/token_lines.h"

using namespace grove::text;

TEST(TokenLines, EscapesRoundTripEveryByte) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  all += "\\n\\\\";  // backslashes followed by letters survive too
  const std::string e = escape(all);
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_EQ(unescape(e), all);
  EXPECT_EQ(unescape("a\\nb\\tc\\\\d\\q\\"), "a\nb\tc\\d\\q\\");  // unknown escapes and a trailing '\' are kept
}

TEST(TokenLines, IdsInEverySeparatorStyle) {
  const std::vector<int64_t> want{1, -200, 32009};
  EXPECT_EQ(parse_ids("1 -200 32009", "x"), want);
  EXPECT_EQ(parse_ids("[1, -200, 32009]", "x"), want);
  EXPECT_EQ(parse_ids("1,-200,32009\r", "x"), want);
  EXPECT_EQ(parse_ids("  \t", "x"), std::vector<int64_t>{});
  EXPECT_EQ(format_ids(want), "1 -200 32009");
}

TEST(TokenLines, BadIdsNameTheLineAndTheToken) {
  for (const char* bad : {"1 2x", "1 0x10", "99999999999999999999", "1.5", "--1"}) {
    try {
      parse_ids(bad, "in.txt:3");
      ADD_FAILURE() << bad;
    } catch (const grove::Error& e) {
      EXPECT_NE(std::string(e.what()).find("in.txt:3"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("is not a token id"), std::string::npos) << e.what();
    }
  }
}
