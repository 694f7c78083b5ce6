#include "io/stream.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "io/jsonl.h"
#include "io/msgpack_codec.h"
#include "io/schema.h"
#include "test_util.h"

using grove::io::Encoding;
using grove::io::Record;
using grove::io::StreamReader;
using grove::io::StreamWriter;

namespace {

void write_stream(const std::string& path, const std::vector<Record>& records, Encoding e = Encoding::Auto) {
  StreamWriter w(path, records.at(0), e);
  for (size_t i = 1; i < records.size(); ++i) w.write(records[i]);
  w.commit();
}

std::vector<Record> read_stream(const std::string& path) {
  StreamReader r(path);
  std::vector<Record> out{r.header()};
  Record rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}

// Records as JSON lines, for comparisons that must treat NaN as equal to itself.
std::vector<std::string> lines(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(grove::io::to_json_line(r));
  return out;
}

// The message of the grove::Error that opening and reading all of path throws ("" if none).
std::string read_error(const std::string& path) {
  try {
    read_stream(path);
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where().substr(0, path.size()), path);  // JSON Lines errors add ":LINE"
    return e.message();
  }
  return "";
}

}  // namespace

TEST(Stream, ExampleRecordsAreValid) {
  auto records = grove::test::example_records();
  ASSERT_EQ(records.size(), 9u);
  for (const auto& r : records) EXPECT_TRUE(grove::io::validate(r).empty()) << r.dump().substr(0, 200);
  std::set<std::string> types;
  for (const auto& r : records) types.insert(grove::io::record_type(r));
  for (const auto& t : grove::io::record_types()) EXPECT_TRUE(types.count(t)) << "no example of " << t;
}

// stream -> JSON Lines -> stream gives the same bytes, for every record type, compressed or not.
TEST(Stream, MsgpackJsonlMsgpackIsByteIdentical) {
  grove::test::TempDir dir;
  auto records = grove::test::example_records();
  for (std::string z : {"", ".zst"}) {
    std::string a = dir / ("a.grove" + z), j = dir / ("a.jsonl" + z), b = dir / ("b.grove" + z);
    write_stream(a, records);
    write_stream(j, read_stream(a));
    write_stream(b, read_stream(j));
    auto bytes_a = grove::test::read_file(a), bytes_b = grove::test::read_file(b);
    EXPECT_EQ(bytes_a, bytes_b) << z;
    if (z.empty()) {
      // And record by record, each type on its own.
      for (const auto& r : records) {
        std::string m1, m2;
        grove::io::encode_msgpack(r, m1);
        grove::io::encode_msgpack(grove::io::from_json_line(grove::io::to_json_line(r), "x", 1), m2);
        EXPECT_EQ(m1, m2) << grove::io::record_type(r);
      }
    }
    EXPECT_EQ(lines(read_stream(a)), lines(records));
  }
}

TEST(Stream, JsonlMsgpackJsonlIsByteIdentical) {
  grove::test::TempDir dir;
  std::string src = grove::test::source_path("tests/data/all-records.jsonl");
  write_stream(dir / "s.grove", read_stream(src));
  write_stream(dir / "back.jsonl", read_stream(dir / "s.grove"));
  EXPECT_EQ(grove::test::read_file(dir / "back.jsonl"), grove::test::read_file(src));
}

TEST(Stream, NumbersKeepTheirKind) {
  Record r = {{"type", "t"}, {"u", 3u}, {"i", -3}, {"f", 3.0}, {"big", 18446744073709551615ull}, {"tiny", 5e-324}, {"negzero", -0.0}};
  Record back = grove::io::from_json_line(grove::io::to_json_line(r), "x", 1);
  EXPECT_TRUE(back["u"].is_number_unsigned());
  EXPECT_TRUE(back["i"].is_number_integer() && !back["i"].is_number_unsigned());
  EXPECT_TRUE(back["f"].is_number_float());
  EXPECT_EQ(back["big"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(back["tiny"].get<double>(), 5e-324);
  std::string m;
  grove::io::encode_msgpack(r, m);
  EXPECT_EQ(m.substr(m.size() - 9), std::string("\xcb\x80\0\0\0\0\0\0\0", 9)) << "-0.0 stays a float 64";
  EXPECT_EQ(grove::io::to_json_line(r), R"({"type":"t","u":3,"i":-3,"f":3.0,"big":18446744073709551615,"tiny":5e-324,"negzero":-0.0})");
}

TEST(Stream, ReaderAutodetectsAllFourForms) {
  grove::test::TempDir dir;
  auto records = grove::test::example_records();
  for (std::string name : {"s.grove", "s.grove.zst", "s.jsonl", "s.jsonl.zst"}) {
    write_stream(dir / name, records);
    std::string renamed = dir / ("no-suffix-" + name);
    std::filesystem::rename(dir / name, renamed);  // detection must not depend on the name
    StreamReader r(renamed);
    EXPECT_EQ(r.encoding(), name.find("jsonl") != std::string::npos ? Encoding::Jsonl : Encoding::Msgpack) << name;
    EXPECT_EQ(r.compressed(), name.find(".zst") != std::string::npos) << name;
    EXPECT_EQ(lines(read_stream(renamed)), lines(records)) << name;
  }
}

TEST(Stream, ConcatenatedStreamsReadAsOne) {
  grove::test::TempDir dir;
  auto records = grove::test::example_records();
  write_stream(dir / "a", records);
  grove::test::write_file(dir / "aa", grove::test::read_file(dir / "a") + grove::test::read_file(dir / "a"));
  auto all = read_stream(dir / "aa");
  EXPECT_EQ(all.size(), 2 * records.size() - 1);  // the second header is checked and skipped
}

TEST(Stream, TruncatedStreamIsAnErrorAtEveryCut) {
  grove::test::TempDir dir;
  write_stream(dir / "full", grove::test::example_records());
  std::string bytes = grove::test::read_file(dir / "full");
  std::string header;
  grove::io::encode_msgpack(grove::test::example_records()[0], header);
  // Cuts that fall inside a record (not on a record boundary) must all be reported as truncation.
  std::vector<size_t> boundaries;
  {
    size_t off = 0;
    for (const auto& r : grove::test::example_records()) {
      std::string m;
      grove::io::encode_msgpack(r, m);
      off += m.size();
      boundaries.push_back(off);
    }
  }
  for (size_t cut = header.size() + 1; cut < bytes.size(); ++cut) {
    if (std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end()) continue;
    grove::test::write_file(dir / "cut", bytes.substr(0, cut));
    std::string msg = read_error(dir / "cut");
    ASSERT_NE(msg.find("truncated stream"), std::string::npos) << "cut at " << cut << ": " << msg;
  }
}

TEST(Stream, WrongVersionEmptyAndGarbageAreClearErrors) {
  grove::test::TempDir dir;
  Record h = grove::io::make_header("grove-test");
  h["version"] = 2;
  write_stream(dir / "v2", {h});
  EXPECT_NE(read_error(dir / "v2").find("schema version 2 is not supported"), std::string::npos);

  grove::test::write_file(dir / "empty", "");
  EXPECT_EQ(read_error(dir / "empty"), "empty input: no grove stream header");

  write_stream(dir / "notheader", {Record{{"type", "frames"}, {"id", "x"}}});
  EXPECT_NE(read_error(dir / "notheader").find("not a grove stream"), std::string::npos);

  grove::test::write_file(dir / "json", "{\"type\": \"header\", oops}\n");
  EXPECT_NE(read_error(dir / "json").find("invalid JSON"), std::string::npos);

  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::string junk(1 + rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    grove::test::write_file(dir / "junk", junk);
    EXPECT_NE(read_error(dir / "junk"), "") << "random bytes accepted in trial " << trial;
  }
}

TEST(Stream, ElementLimitRefusesAbsurdArrayHeaders) {
  grove::test::TempDir dir;
  std::string bytes;
  grove::io::encode_msgpack(grove::io::make_header("t"), bytes);
  bytes += "\xdd\xff\xff\xff\xff";  // array 32 of 4 billion elements, then nothing
  grove::test::write_file(dir / "bomb", bytes);
  std::string msg = read_error(dir / "bomb");
  EXPECT_NE(msg.find("exceeds a size limit"), std::string::npos) << msg;

  grove::io::ReadLimits small;
  small.max_record_bytes = 1000;
  write_stream(dir / "big", {grove::io::make_header("t"), Record{{"type", "x"}, {"s", std::string(5000, 'a')}}});
  StreamReader r(dir / "big", small);
  Record rec;
  EXPECT_THROW(r.next(rec), grove::Error);
}

TEST(Stream, WriterNeverLeavesAPartialFile) {
  grove::test::TempDir dir;
  {
    StreamWriter w(dir / "out.grove", grove::io::make_header("t"));
    w.write(Record{{"type", "x"}, {"id", "1"}});
  }  // no commit: as if the tool failed
  EXPECT_FALSE(std::filesystem::exists(dir / "out.grove"));
}

TEST(Schema, FindsTheProblems) {
  auto records = grove::test::example_records();
  Record frames = records[1];
  frames.erase("fps");
  frames["pixels"][1] = Record::binary({1, 2, 3});
  frames["width"] = -5;
  auto p = grove::io::validate(frames);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], "missing field \"fps\"");
  EXPECT_EQ(p[1], "field \"width\" must be an unsigned integer");
  EXPECT_NE(p[2].find("frame 1 has 3 pixel bytes"), std::string::npos);

  Record sample = records[2];
  sample["labels"][0].push_back("extra");
  sample["bboxes"][1].push_back({1, 2, 3});
  p = grove::io::validate(sample);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("bboxes"), std::string::npos);
  EXPECT_NE(p[1].find("frame 0 has 2 bboxes but 3 labels"), std::string::npos);

  Record pred = records[3];
  pred["objectness"].push_back({0.5});
  p = grove::io::validate(pred);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "\"frame_indices\" has 2 entries but \"objectness\" has 3");

  EXPECT_EQ(grove::io::validate(Record{{"id", "x"}}).at(0), "a record needs a string field \"type\"");
  try {
    grove::io::require_valid(pred, "in.grove");
    FAIL();
  } catch (const grove::Error& e) {
    EXPECT_EQ(std::string(e.what()), "in.grove: prediction record \"vid01_3\": " + p[0]);
  }
}
