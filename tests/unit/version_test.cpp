#include "core/version.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

TEST(Version, BuildInfoNamesTheLibraries) {
  std::string info = grove::build_info();
  EXPECT_NE(info.find("LibTorch"), std::string::npos);
  EXPECT_NE(info.find("libavformat"), std::string::npos);
  EXPECT_NE(info.find("zstd"), std::string::npos);
  EXPECT_STREQ(grove::version(), "0.1.0");
}

TEST(Version, DataDirComesFromTheEnvironmentOrTheSourceTree) {
  const char* saved = std::getenv("GROVE_DATADIR");
  std::string keep = saved ? saved : "";
  setenv("GROVE_DATADIR", "/some/where", 1);
  EXPECT_EQ(grove::data_dir(), "/some/where");
  unsetenv("GROVE_DATADIR");
  // The test binary runs from BUILD/bin inside the source tree: share/grove of the sources.
  EXPECT_TRUE(std::filesystem::equivalent(grove::data_dir(), std::string(GROVE_SOURCE_DIR) + "/share/grove"));
  if (saved) setenv("GROVE_DATADIR", keep.c_str(), 1);
}
