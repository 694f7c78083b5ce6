#include "io/shard.h"

#include <gtest/gtest.h>

#include "core/error.h"

TEST(Shard, PathsArePaddedToTheWidthOfTheCount) {
  EXPECT_EQ(grove::io::shard_path("part-{i}-of-{n}.grove", 3, 16), "part-03-of-16.grove");
  EXPECT_EQ(grove::io::shard_path("p{i}", 0, 1), "p0");
  EXPECT_EQ(grove::io::shard_path("{i}/{i}", 7, 1000), "007/007");
  EXPECT_THROW(grove::io::shard_path("no-placeholder", 0, 2), grove::Error);
}

TEST(Shard, EveryRecordIsInExactlyOneShard) {
  for (int n : {1, 2, 3, 7}) {
    for (size_t k = 0; k < 50; ++k) {
      int hits = 0;
      for (int i = 0; i < n; ++i) hits += grove::io::in_shard(k, i, n);
      EXPECT_EQ(hits, 1);
    }
  }
}
