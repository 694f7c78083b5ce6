// The annotation pipeline's library parts: clauses from Link Grammar, tolerant answer parsing, prompt files, chat
// formats, and stages 2-3 over a scripted chat backend (the HTTP and built-in backends run in annotate.bats).
#include <gtest/gtest.h>

#include <deque>

#include "annotate/answers.h"
#include "annotate/chat.h"
#include "annotate/clauses.h"
#include "annotate/stages.h"
#include "core/error.h"
#include "io/schema.h"
#include "test_util.h"

namespace an = grove::annotate;

namespace {

const an::ClauseParser& parser() {
  static an::ClauseParser p;
  return p;
}

// Answers from a list, in turn; records what it was asked.
class Scripted : public an::ChatBackend {
 public:
  explicit Scripted(std::deque<std::string> answers) : answers_(std::move(answers)) {}
  std::string complete(const std::vector<an::ChatMessage>& messages) override {
    asked.push_back(messages);
    if (answers_.empty()) throw grove::Error("scripted", "no more answers");
    std::string a = answers_.front();
    answers_.pop_front();
    if (a == "@fail") throw grove::Error("scripted", "connection refused");
    return a;
  }
  std::string describe() const override { return "scripted"; }
  std::vector<std::vector<an::ChatMessage>> asked;

 private:
  std::deque<std::string> answers_;
};

grove::io::Record frame_captions() {
  for (const auto& r : grove::test::example_records())
    if (grove::io::record_type(r) == "frame_captions") return r;
  throw std::runtime_error("no frame_captions example");
}

}  // namespace

TEST(Clauses, SubjectVerbObjectAndAdpositions) {
  auto c = parser().clauses("<p> A man in a blue shirt </p> is cutting <p> an onion </p> on a wooden board.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].subject, "a man in a blue shirt");  // Link Grammar lower-cases the first word
  EXPECT_EQ(c[0].verb, "is cutting");
  EXPECT_EQ(c[0].object, "an onion");
  EXPECT_EQ(c[0].adpositions, std::vector<std::string>{"on a wooden board"});
  EXPECT_EQ(c[0].text(), "(a man in a blue shirt, is cutting, an onion) on a wooden board");

  c = parser().clauses("a person stirs food in a bowl with a spoon.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].subject, "a person");
  EXPECT_EQ(c[0].verb, "stirs");
  EXPECT_EQ(c[0].object, "food");
  EXPECT_NE(std::find(c[0].adpositions.begin(), c[0].adpositions.end(), "with a spoon"), c[0].adpositions.end());
  EXPECT_NE(std::find(c[0].adpositions.begin(), c[0].adpositions.end(), "in a bowl"), c[0].adpositions.end());
}

TEST(Clauses, TwoClausesParticiplesAndNoVerb) {
  auto c = parser().clauses("a green square moves down and a blue triangle disappears.");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].subject, "a green square");
  EXPECT_EQ(c[0].verb, "moves");
  EXPECT_EQ(c[1].subject, "a blue triangle");
  EXPECT_EQ(c[1].verb, "disappears");
  EXPECT_EQ(c[1].object, "");

  c = parser().clauses("two hands are holding a red cup");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].text(), "(two hands, are holding, a red cup)");

  EXPECT_TRUE(parser().clauses("a red cup on a table").empty());
  EXPECT_EQ(parser().noun_phrases("a man puts a red cup on a wooden table."),
            (std::vector<std::string>{"a man", "a red cup", "a wooden table"}));
  EXPECT_TRUE(parser().clauses("").empty());
  EXPECT_EQ(an::strip_tags("<p> a man </p> [DET] cuts </s>"), "a man cuts");
}

TEST(Answers, CaptionInEveryShape) {
  for (const std::string a : {
           "{'CAPTION': '<p>A person</p> is stirring <p>food in a bowl</p> .'}",
           "{\"CAPTION\": \"<p>A person</p> is stirring <p>food in a bowl</p>.\"}",
           "Sure! Here it is:\n```python\n{'caption': '<p> A person </p> is stirring <p> food in a bowl </p>.'}\n```",
           "The caption is: {'CAPTION': '<P>A person</P> is stirring <p>food in a bowl</p>.'} Hope this helps.",
           "Caption: <p>A person</p> is stirring <p>food in a bowl</p>.",
           "<p>A person</p> is stirring <p>food in a bowl</p>.",
       }) {
    auto c = an::parse_caption_answer(a);
    EXPECT_EQ(c.tagged_caption, "<p>A person</p> is stirring <p>food in a bowl</p>.") << a;
    EXPECT_EQ(c.caption, "A person is stirring food in a bowl.") << a;
    EXPECT_EQ(c.phrases, (std::vector<std::string>{"A person", "food in a bowl"})) << a;
  }
  // An apostrophe inside single quotes.
  EXPECT_EQ(an::parse_caption_answer("{'CAPTION': '<p>A person</p> washes the person\\'s <p>hands</p>'}").caption,
            "A person washes the person's hands");
  EXPECT_EQ(an::parse_caption_answer("{'CAPTION': '<p>A chef</p> cuts the chef's <p>bread</p>.'}").caption,
            "A chef cuts the chef's bread.");
  // Spaces before punctuation go only after a tag; a phrase keeps what it holds (a fuzzer finding).
  auto odd = an::parse_caption_answer("<p>a man .</p> , sits <p>x</p>");
  EXPECT_EQ(odd.tagged_caption, "<p>a man .</p>, sits <p>x</p>");
  EXPECT_EQ(odd.phrases[0], "a man .");
}

TEST(Answers, MalformedCaptionsAreRefusedWithAReason) {
  auto why = [](const std::string& a) {
    try {
      an::parse_caption_answer(a);
    } catch (const grove::Error& e) {
      return e.message();
    }
    return std::string("accepted");
  };
  EXPECT_NE(why("I cannot help with that.").find("no tagged caption"), std::string::npos);
  EXPECT_NE(why("{'CAPTION': 'A person is stirring food.'}").find("no tagged caption"), std::string::npos);
  EXPECT_NE(why("{'CAPTION': '<p>A person is stirring food.'}").find("without its </p>"), std::string::npos);
  EXPECT_NE(why("{'CAPTION': 'A person</p> stirs <p>food</p>'}").find("without its <p>"), std::string::npos);
  EXPECT_NE(why("{'CAPTION': '<p>A <p>person</p></p> stirs'}").find("nested"), std::string::npos);
  EXPECT_NE(why("{'CAPTION': '<p> </p> stirs <p>food</p>'}").find("empty"), std::string::npos);
  EXPECT_NE(why("").find("no tagged caption"), std::string::npos);
}

TEST(Answers, LabelPairsAndMatching) {
  const std::vector<std::string> video{"A person", "soup in a pot"}, frame{"a woman", "a spoon", "a pot", "the woman's hand"};
  const std::vector<std::pair<std::string, std::string>> want{
      {"a woman", "A person"}, {"a spoon", "None"}, {"a pot", "soup in a pot"}, {"the woman's hand", "A person"}};
  for (const std::string a : {
           "{'a woman': 'A person', 'a spoon': None, 'a pot': 'soup in a pot', 'the woman's hand': 'A person'}",
           "{\"a woman\": \"A person\", \"a spoon\": \"None\", \"a pot\": \"soup in a pot\", \"the woman's hand\": \"A person\"}",
           "Here you go:\na woman -> A person\na spoon -> None\na pot -> soup in a pot\nthe woman's hand -> A person\n",
           "- a woman: A person\n- a spoon: None\n- a pot: soup in a pot\n- the woman's hand: A person",
       }) {
    EXPECT_EQ(an::parse_label_pairs(a), want) << a;
    auto m = an::match_labels(an::parse_label_pairs(a), frame, video);
    EXPECT_TRUE(m.complete()) << a;
    EXPECT_EQ(m.label.at("a woman"), 0);
    EXPECT_EQ(m.label.at("a spoon"), -1);
    EXPECT_EQ(m.label.at("a pot"), 1);
  }
  // Case, tags and stray punctuation do not matter; an unknown label and a forgotten phrase are reported.
  auto m = an::match_labels({{"A WOMAN", "<p>a person</p>."}, {"a spoon", "a fork"}}, frame, video);
  EXPECT_EQ(m.label.at("a woman"), 0);
  EXPECT_EQ(m.invalid, std::vector<std::string>{"a spoon"});
  EXPECT_EQ(m.missing, (std::vector<std::string>{"a pot", "the woman's hand"}));
  EXPECT_TRUE(an::parse_label_pairs("no idea").empty());
}

TEST(Prompts, FillAndRefuse) {
  auto t = an::PromptTemplate::parse("%% comment\n@system\nBe brief.\n@user\nFrames:\n{{frames}}\n", "p.txt");
  auto m = t.fill({{"frames", "Frame 1: x"}});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].role, "system");
  EXPECT_EQ(m[0].content, "Be brief.");
  EXPECT_EQ(m[1].content, "Frames:\nFrame 1: x");
  EXPECT_THROW(t.fill({}), grove::Error);                                       // {{frames}} without a value
  EXPECT_THROW(t.fill({{"frames", "x"}, {"caption", "y"}}), grove::Error);      // a value never used
  EXPECT_THROW(an::PromptTemplate::parse("hello\n@user\nx", "p.txt"), grove::Error);  // text before a role
  EXPECT_THROW(an::PromptTemplate::parse("@robot\nx", "p.txt"), grove::Error);
  EXPECT_THROW(an::PromptTemplate::parse("@user\nx\n@assistant\ny", "p.txt"), grove::Error);  // must end with @user
  EXPECT_THROW(an::PromptTemplate::load("/nonexistent/prompt.txt"), grove::Error);
  // The shipped prompts parse and take exactly the placeholders the stages give.
  EXPECT_NO_THROW(an::PromptTemplate::load(grove::test::source_path("share/grove/prompts/video-caption.txt")).fill({{"frames", "x"}}));
  EXPECT_NO_THROW(an::PromptTemplate::load(grove::test::source_path("share/grove/prompts/label-phrases.txt"))
                      .fill({{"caption", "c"}, {"video_phrases", "v"}, {"frame_phrases", "f"}}));
}

TEST(Chat, Llama2AndLlama3Formats) {
  const std::vector<an::ChatMessage> m{{"system", "S"}, {"user", "U1"}, {"assistant", "A1"}, {"user", "U2"}};
  auto render = [](const std::vector<an::PromptPiece>& ps) {
    std::string s;
    for (const auto& p : ps) s += p.special.empty() ? p.text : p.special;
    return s;
  };
  EXPECT_EQ(render(an::apply_chat_format(an::ChatFormat::Llama2, m)),
            "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]");
  EXPECT_EQ(render(an::apply_chat_format(an::ChatFormat::Llama3, m)),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU2<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_THROW(an::parse_chat_format("mistral", "--chat-format"), grove::Error);
}

TEST(Stages, CaptionThenTracksWithARetryEach) {
  const auto fc = frame_captions();
  auto caption_prompt = an::PromptTemplate::parse("@user\n{{frames}}", "caption.txt");
  auto label_prompt = an::PromptTemplate::parse("@user\n{{caption}}\n{{video_phrases}}\n{{frame_phrases}}", "label.txt");
  Scripted llm({"@fail", "no tags here", "{'CAPTION': '<p>A person</p> cuts <p>an onion</p>.'}",
                "{'a man': 'A person'}", "{'a man': 'A person', 'a knife': None, 'a person': 'A person'}"});
  an::LlmStats stats;
  auto vc = an::video_caption(fc, parser(), llm, caption_prompt, 3, &stats);
  EXPECT_TRUE(grove::io::validate(vc).empty());
  EXPECT_EQ(vc["tagged_caption"], "<p>A person</p> cuts <p>an onion</p>.");
  EXPECT_EQ(vc["frame_clauses"], "Frame 1 (4.0 s): (a man, holds, a knife)\nFrame 2 (4.2 s): (a person, cuts, an onion)\n");
  // The rejected answer and the reason were shown to the model before it answered again.
  ASSERT_EQ(llm.asked.size(), 3u);
  ASSERT_EQ(llm.asked[2].size(), 3u);
  EXPECT_EQ(llm.asked[2][1].content, "no tags here");
  EXPECT_NE(llm.asked[2][2].content.find("no tagged caption"), std::string::npos);

  auto s = an::label_tracks(vc, llm, label_prompt, 3, &stats);
  EXPECT_TRUE(grove::io::validate(s).empty()) << s.dump();
  EXPECT_EQ(s["labels"], grove::io::Record::parse(R"([["A person"], ["A person"]])"));
  EXPECT_EQ(s["bboxes"][0][0], fc["boxes"][0][0]);  // "a man"'s box; "a knife" (None) has none
  EXPECT_EQ(s["bboxes"][1][0], fc["boxes"][1][0]);
  EXPECT_EQ(s["frame_phrase_labels"]["a knife"], nullptr);
  EXPECT_EQ(stats.calls, 5);
  EXPECT_EQ(stats.rejected, 3);
}

TEST(Stages, AClipFailsAfterItsAttempts) {
  auto prompt = an::PromptTemplate::parse("@user\n{{frames}}", "caption.txt");
  Scripted llm({"nothing", "still nothing"});
  try {
    an::video_caption(frame_captions(), parser(), llm, prompt, 2);
    FAIL() << "accepted";
  } catch (const grove::Error& e) {
    EXPECT_EQ(e.where(), "vid01_3");
    EXPECT_NE(e.message().find("no usable LLM answer in 2 attempts"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("still nothing"), std::string::npos) << e.message();
  }
}
