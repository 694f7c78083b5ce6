// Inference pieces (lib/video/windows, lib/text/caption, lib/model/generate, lib/io/journal): the window plan
// against a transcription of the original's loop, the prompt and answer texts of reference/model.md 4.4 and
// training.md 3.5, cached decoding against recomputation, and a journal surviving a crash.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <set>

#include "arch/config.h"
#include "core/error.h"
#include "io/journal.h"
#include "model/generate.h"
#include "model/grove.h"
#include "test_util.h"
#include "text/caption.h"
#include "video/windows.h"

using namespace grove;

namespace {

// infer_iground.py's sliding_segment_with_mask, line by line.
std::pair<std::vector<std::vector<int64_t>>, std::vector<std::vector<int>>> original_windows(int64_t t, int64_t n) {
  const int64_t s = t / n, r = t % n;
  std::vector<std::vector<int64_t>> all;
  std::vector<std::vector<int>> masks;
  std::set<int64_t> seen;
  auto add = [&](std::vector<int64_t> idx) {
    std::vector<int> m;
    for (auto i : idx) m.push_back(seen.count(i) ? 0 : 1);
    all.push_back(idx);
    masks.push_back(m);
    seen.insert(idx.begin(), idx.end());
  };
  for (int64_t o = 0; o < s; ++o) {
    std::vector<int64_t> idx;
    for (int64_t i = 0; i < n; ++i) idx.push_back(i * s + o);
    add(idx);
  }
  for (int64_t o = 0; o < r; ++o) {
    std::vector<int64_t> idx;
    for (int64_t i = 0; i < n; ++i)
      if (i * s + s + o < t) idx.push_back(i * s + s + o);
    if (!idx.empty()) add(idx);
  }
  return {all, masks};
}

}  // namespace

TEST(Windows, EqualTheOriginalsAndCoverEveryFrameOnce) {
  for (int64_t t = 8; t <= 70; ++t) {
    SCOPED_TRACE(t);
    auto [all, masks] = original_windows(t, 8);
    video::WindowPlan plan = video::plan_windows(t, 8);
    ASSERT_EQ(plan.windows.size(), all.size());
    size_t last_all_ones = 0;
    for (size_t w = 0; w < all.size(); ++w) {
      EXPECT_EQ(plan.windows[w].positions, all[w]);
      for (size_t k = 0; k < all[w].size(); ++k) EXPECT_EQ(plan.windows[w].fresh[k], masks[w][k] == 1);
      bool ones = true;
      for (int m : masks[w]) ones = ones && m;
      if (ones) last_all_ones = w;
    }
    EXPECT_EQ(plan.caption_window, last_all_ones / 2);
    std::vector<int> reported(t, 0);
    for (const auto& w : plan.windows)
      for (size_t k = 0; k < w.positions.size(); ++k) reported[w.positions[k]] += w.fresh[k];
    for (int64_t p = 0; p < t; ++p) EXPECT_EQ(reported[p], 1) << "frame " << p;
  }
  EXPECT_EQ(video::plan_windows(40, 8).caption_window, 2u);  // 5 windows of every 5th frame; the middle one
}

TEST(Windows, ShortClipsRepeatTheirFramesInOneWindow) {
  video::WindowPlan plan = video::plan_windows(3, 8);
  ASSERT_EQ(plan.windows.size(), 1u);
  EXPECT_EQ(plan.windows[0].positions, (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 2, 2}));
  EXPECT_EQ(plan.windows[0].fresh, (std::vector<bool>{true, false, false, true, false, false, true, false}));
  EXPECT_TRUE(video::plan_windows(0, 8).windows.empty());
  EXPECT_EQ(video::plan_windows(1, 8).windows[0].positions, std::vector<int64_t>(8, 0));
}

TEST(Caption, ThePromptIsTheOriginalsToTheCharacter) {
  EXPECT_EQ(text::llava_prompt(text::kInstructionGrounded),
            "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
            "detailed, and polite answers to the human's questions. USER: The <vid_start><video><vid_end> provides "
            "an overview of the video.\nCould you please give me a description of the video? Please respond with "
            "interleaved bounding boxes for the corresponding parts of the answer. ASSISTANT:");
  EXPECT_EQ(text::llava_prompt("Q?", "<p> a man </p> [DET] runs"),
            text::llava_prompt("Q?") + " <p> a man </p> [DET] runs</s>");
}

TEST(Caption, TaggedAnswersAsTheDatasetLoaderBuildsThem) {
  // training.md 3.5: lower-cased, each phrase's first tagged occurrence, in caption order.
  auto a = text::tagged_answer("\"A woman is slicing a tomato on a board.\"",
                               "<p>A woman</p> is slicing <p>a tomato</p> on <p>a board</p>.", {"a board", "A woman", "a tomato"});
  EXPECT_EQ(a.text, "<p> a woman </p> [DET] is slicing <p> a tomato </p> [DET] on <p> a board </p> [DET].");
  EXPECT_EQ(a.phrases, (std::vector<std::string>{"a woman", "a tomato", "a board"}));
  // The first <p>phrase</p> match locates a repeated phrase.
  auto b = text::tagged_answer("the man and the man", "the man and <p>the man</p>", {"the man"});
  EXPECT_EQ(b.text, "the man and <p> the man </p> [DET]");
  EXPECT_THROW(text::tagged_answer("a cat", "a cat", {"a dog"}), Error);
}

TEST(Caption, GeneratedTextIsParsedAsInferIgroundDoes) {
  const std::string decoded =
      "<s> A chat ... USER:  <vid_start><video><vid_end>  provides\nx ASSISTANT:  <p> he </p> [DET]  then covers the  "
      "<p> window </p> [DET]  with  <p> a cloth </p> [DET].</s>";
  const std::string answer = text::answer_of_decoded(decoded);
  EXPECT_EQ(answer, "<p> he </p> [DET] then covers the <p> window </p> [DET] with <p> a cloth </p> [DET].</s>");
  text::ParsedCaption p = text::parse_answer(answer);
  EXPECT_EQ(p.phrases, (std::vector<std::string>{"he", "window", "a cloth"}));
  EXPECT_EQ(p.caption, "he then covers the window with a cloth .");
  EXPECT_EQ(p.tagged_caption, "<p> he </p> then covers the <p> window </p> with <p> a cloth </p> .</s>");
  // No "ASSISTANT: " (the first new token glued to the colon): the whole text, as split()[-1] gives.
  EXPECT_EQ(text::answer_of_decoded("x ASSISTANT:y"), "x ASSISTANT:y");
  EXPECT_EQ(text::parse_answer("'<p>  a b </p>'").caption, "a b");
}

TEST(Generate, CachedDecodingGivesTheTokensAndHiddenStatesOfRecomputation) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  torch::manual_seed(11);
  model::Grove g(c);
  g->eval();
  torch::NoGradGuard no_grad;
  at::Tensor embeds = torch::randn({1, 30, c.llama.hidden_size});
  auto a = model::generate_greedy(g, embeds, 20, -1, true);
  auto b = model::generate_greedy(g, embeds, 20, -1, false);
  EXPECT_EQ(a.ids, b.ids);
  ASSERT_EQ(a.ids.size(), 20u);
  EXPECT_EQ(a.hidden.sizes(), (std::vector<int64_t>{30 + 20 - 1, c.llama.hidden_size}));
  EXPECT_TRUE(torch::allclose(a.hidden, b.hidden, 1e-4, 1e-5));
  // EOS ends the generation and is kept.
  auto e = model::generate_greedy(g, embeds, 20, a.ids[3], true);
  EXPECT_EQ(e.ids, std::vector<int64_t>(a.ids.begin(), a.ids.begin() + 4));
}

TEST(Journal, AKilledRunKeepsItsRecordsAndAResumedOneFinishes) {
  for (const std::string name : {"out.grove", "out.grove.zst", "out.jsonl"}) {
    SCOPED_TRACE(name);
    test::TempDir dir;
    const std::string path = dir / name;
    io::Record header = {{"type", "header"}, {"format", "grove-stream"}, {"version", 1}, {"tool", "t"}, {"tool_version", "0"}};
    auto rec = [](int i) { return io::Record{{"type", "prediction"}, {"id", "clip" + std::to_string(i)}}; };
    uintmax_t two = 0;
    {
      io::JournalWriter w(path, header, false);
      for (int i = 0; i < 2; ++i) w.write(rec(i));
      two = std::filesystem::file_size(path + ".partial");  // every record is on disk once written
      w.write(rec(2));
      // destroyed without commit: as if killed
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    const uintmax_t three = std::filesystem::file_size(path + ".partial");
    EXPECT_GT(three, two);
    EXPECT_EQ(io::read_complete_records(path + ".partial").size(), 3u);
    // A torn last record (the file cut inside it) is dropped, the others kept.
    std::filesystem::resize_file(path + ".partial", (two + three) / 2);
    {
      io::JournalWriter w(path, header, true);
      EXPECT_EQ(w.kept(), 2u);
      EXPECT_TRUE(w.has("prediction", "clip1"));
      EXPECT_FALSE(w.has("prediction", "clip2"));
      for (int i = 2; i < 5; ++i) w.write(rec(i));
      w.commit();
    }
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
    auto all = io::read_complete_records(path);
    ASSERT_EQ(all.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(io::record_id(all[i]), "clip" + std::to_string(i));
  }
}

TEST(Generate, ABatchOfPromptsGivesEachPromptsOwnTokens) {
  arch::Config c = arch::load_config(test::source_path("share/grove/configs/micro.json"));
  torch::manual_seed(12);
  model::Grove g(c);
  g->eval();
  torch::NoGradGuard no_grad;
  at::Tensor a = torch::randn({1, 25, c.llama.hidden_size}), b = torch::randn({1, 25, c.llama.hidden_size});
  auto one_a = model::generate_greedy(g, a, 12, -1), one_b = model::generate_greedy(g, b, 12, -1);
  // b's own EOS: its 5th token, so the batch runs on after b has stopped.
  auto both = model::generate_greedy_batch(g, torch::cat({a, b}), 12, one_b.ids[4]);
  EXPECT_EQ(both[1].ids, std::vector<int64_t>(one_b.ids.begin(), one_b.ids.begin() + 5));
  std::vector<int64_t> want_a;
  for (int64_t t : one_a.ids) {
    want_a.push_back(t);
    if (t == one_b.ids[4]) break;
  }
  EXPECT_EQ(both[0].ids, want_a);
  EXPECT_EQ(both[1].hidden.size(0), 25 + 5 - 1);
  EXPECT_TRUE(torch::allclose(both[1].hidden, one_b.hidden.narrow(0, 0, 29), 1e-4, 1e-5));
}
