// grove-synth's library: captions name a direction for every moving shape, and the synthetic data's tokenizer
// spells each caption word as one piece, with the added tokens where share/grove/configs/synth.json expects them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "io/record.h"
#include "synth/scene.h"
#include "synth/tokenizer.h"
#include "test_util.h"
#include "text/caption.h"
#include "text/tokenizer.h"

using namespace grove;

TEST(SynthScene, EveryMotionNamesADirection) {
  synth::Object o;
  auto motion = [&](double vx, double vy) {
    o.vx = vx;
    o.vy = vy;
    return o.motion();
  };
  EXPECT_EQ(motion(0, 0), "stays still");
  EXPECT_EQ(motion(0.1, -0.2), "stays still");
  EXPECT_EQ(motion(1.0, 0), "moves right");
  EXPECT_EQ(motion(-0.5, 0.9), "moves down and left");
  // Under 0.3 px/frame on each axis but moving: the faster axis names it (it used to say "moves .").
  EXPECT_EQ(motion(0.25, 0.2), "moves right");
  EXPECT_EQ(motion(-0.1, -0.29), "moves up");
  // Over many scenes, "moves" is always followed by a direction.
  for (const char* split : {"train", "val", "test"})
    for (uint64_t i = 0; i < 3000; ++i) {
      const auto c = synth::describe(synth::make_scene(synth::split_seed(1, split), i));
      for (size_t p = c.text.find("moves"); p != std::string::npos; p = c.text.find("moves", p + 1)) {
        const std::string next = c.text.substr(p + 6, 2);
        EXPECT_TRUE(next == "up" || next == "do" || next == "le" || next == "ri") << split << i << ": " << c.text;
      }
    }
}

TEST(SynthTokenizer, OneWordOnePieceAndTheConfigsIds) {
  const auto files = synth::make_tokenizer();
  EXPECT_EQ(files.tokenizer_json, synth::make_tokenizer().tokenizer_json);  // deterministic
  test::TempDir dir;
  std::ofstream(dir / "tokenizer.json") << files.tokenizer_json;
  std::ofstream(dir / "added_tokens.json") << files.added_tokens_json;
  const auto tok = text::Tokenizer::load(dir.path().string());
  EXPECT_EQ(tok.size(), files.base + 10);

  // Held-out captions (the test split's scenes are not in the corpus): one piece a word.
  size_t longest = 0;
  for (uint64_t i = 0; i < 500; ++i) {
    const auto c = synth::describe(synth::make_scene(synth::split_seed(1, "test"), i));
    size_t words = 0;
    std::istringstream in(c.text);
    for (std::string w; in >> w;) ++words;
    const auto ids = tok.encode(c.text, false);
    EXPECT_EQ(ids.size(), words) << c.text;
    EXPECT_EQ(tok.decode(ids), c.text);
    longest = std::max(longest, ids.size());
  }
  EXPECT_LT(longest + 9, 64u);  // + <p> </p> [DET] per phrase: within generation's 64 tokens
  // The prompt is short too: the system text and instruction are whole words.
  const auto prompt = tok.encode_prompt(text::llava_prompt(text::kInstructionGrounded));
  EXPECT_LT(prompt.size(), 70u);

  // The ids share/grove/configs/synth.json is written for.
  const auto config = io::Record::parse(std::ifstream(std::string(GROVE_SOURCE_DIR) + "/share/grove/configs/synth.json"));
  EXPECT_GE(config["llama"]["vocab_size"].get<int64_t>(), files.base + 10);
  for (const auto& [key, token] : {std::pair<const char*, const char*>{"p_open", "<p>"}, {"p_close", "</p>"},
                                   {"vid_start", "<vid_start>"}, {"vid_end", "<vid_end>"}, {"det", "[DET]"}})
    EXPECT_EQ(config["tokens"][key].get<int32_t>(), tok.id(token)) << key;
}
