// The byte-level BPE tokenizer (text/byte_level_tokenizer.h) against Hugging Face's tokenizers library on the tiny
// Llama 3 style tokenizer.json (goldens from tests/data/annotate/hf_tokenizers_golden.js), and its refusals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/record.h"
#include "text/byte_level_tokenizer.h"

using namespace grove;

namespace {

const std::string kDir = std::string(GROVE_SOURCE_DIR) + "/tests/data/annotate/";

std::string write_variant(const std::string& name, const std::function<void(io::Record&)>& edit) {
  std::ifstream in(kDir + "tiny-llama3/tokenizer.json");
  io::Record j = io::Record::parse(in);
  edit(j);
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << j.dump();
  return path;
}

}  // namespace

TEST(ByteLevelTokenizer, MatchesHuggingFaceTokenizers) {
  const auto t = text::ByteLevelTokenizer::load(kDir + "tiny-llama3/tokenizer.json");
  std::ifstream golden(kDir + "tiny-llama3-golden.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(golden, line)) {
    const io::Record g = io::Record::parse(line);
    const std::string text = g["text"].get<std::string>();
    const auto want = g["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(t.encode(text), want) << "text: " << text;
    EXPECT_EQ(t.decode(want), g["decoded"].get<std::string>()) << "text: " << text;
    ++n;
  }
  EXPECT_EQ(n, 15);
  EXPECT_EQ(t.id("<|eot_id|>"), 500);
  EXPECT_EQ(t.id("Ġa"), 256);
  EXPECT_EQ(t.id("no such piece"), -1);
  EXPECT_EQ(t.size(), 502);
  EXPECT_TRUE(text::is_byte_level_json(kDir + "tiny-llama3/tokenizer.json"));
  EXPECT_FALSE(text::is_byte_level_json(kDir + "tiny-llama/tokenizer.json"));
}

TEST(ByteLevelTokenizer, InvalidUtf8FromCutPiecesDecodesToReplacementCharacters) {
  const auto t = text::ByteLevelTokenizer::load(kDir + "tiny-llama3/tokenizer.json");
  const auto ids = t.encode("東");  // three byte pieces
  ASSERT_EQ(ids.size(), 3u);
  // One U+FFFD for the cut character, as Rust's from_utf8_lossy (and Python's "replace") give for b"\xe6\x9d".
  EXPECT_EQ(t.decode({ids[0], ids[1]}), "\xEF\xBF\xBD");
  EXPECT_EQ(t.decode({ids[1], ids[0]}), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(t.decode({ids[0], ids[1], ids[2]}), "東");
}

TEST(ByteLevelTokenizer, GptTwoStyleByteLevelWithPrefixSpace) {
  // ByteLevel alone (its own GPT-2 regex) with add_prefix_space: "hello world" is read as " hello world".
  const std::string path = write_variant("grove-bl-gpt2.json", [](io::Record& j) {
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  });
  const auto t = text::ByteLevelTokenizer::load(path);
  const auto plain = text::ByteLevelTokenizer::load(kDir + "tiny-llama3/tokenizer.json");
  EXPECT_EQ(t.encode("a man"), plain.encode(" a man"));
  EXPECT_EQ(t.decode(t.encode("a man")), " a man");
  std::filesystem::remove(path);
}

TEST(ByteLevelTokenizer, RefusesWhatItCannotRunExactly) {
  auto message = [](const std::string& path) {
    try {
      text::ByteLevelTokenizer::load(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path);
      return e.message();
    }
    return std::string("no error");
  };
  const std::string norm = write_variant("grove-bl-norm.json", [](io::Record& j) { j["normalizer"] = {{"type", "NFC"}}; });
  EXPECT_NE(message(norm).find("normalizer (\"NFC\")"), std::string::npos);
  const std::string split = write_variant("grove-bl-split.json", [](io::Record& j) {
    j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed";
  });
  EXPECT_NE(message(split).find("Isolated"), std::string::npos);
  const std::string bad = write_variant("grove-bl-regex.json", [](io::Record& j) {
    j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  });
  EXPECT_NE(message(bad).find("does not compile"), std::string::npos);
  const std::string none = write_variant("grove-bl-none.json", [](io::Record& j) { j["pre_tokenizer"] = nullptr; });
  EXPECT_NE(message(none).find("not a byte-level tokenizer"), std::string::npos);
  // Llama 2's SentencePiece-style tokenizer.json (its normalizer writes the "▁" spaces).
  EXPECT_NE(message(kDir + "tiny-llama/tokenizer.json").find("normalizer (\"Sequence\")"), std::string::npos);
  for (const auto& p : {norm, split, bad, none}) std::filesystem::remove(p);
}
