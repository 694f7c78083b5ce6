// The texts around a grounded caption, as the original writes and reads them (reference/model.md 4.4 and 4.10,
// training.md 3.5): the llava_v1 prompt with the video placeholder, the tagged answer the model is trained on and
// teacher-forced with ("<p> a man </p> [DET] cuts <p> an onion </p> [DET]"), and the parsing of a generated answer
// into the prediction's caption, tagged caption and phrases.
#pragma once
#include <string>
#include <vector>

namespace grove::text {

// The instruction of infer_iground.py (generation) and of the VidSTG / ActivityNet / YouCook scripts (teacher
// forcing of a given caption, one box per frame).
extern const char* const kInstructionGrounded;
extern const char* const kInstructionSingleBox;
// The instructions training draws from (the original's VIDEO_GROUNDING_QUESTIONS, typos included, and
// VIDEO_STG_QUESTIONS); the first of each is the one above.
extern const std::vector<std::string> kGroundingQuestions;
extern const std::vector<std::string> kStgQuestions;
// GLaMM's grounded conversation generation (its eval/gcg/infer.py; five spaces after "interleaved", as the
// script's line continuation leaves them).
extern const char* const kInstructionGlammGcg;

// llava_v1: the system prompt, " USER: The <vid_start><video><vid_end> provides an overview of the video.\n" +
// instruction, " ASSISTANT:" and, with an answer, " " + answer + "</s>". With image true, GLaMM's: "The
// <im_start><image><im_end> provides an overview of the picture.\n" (the placeholder marker is then "<image>").
std::string llava_prompt(const std::string& instruction, const std::string& answer = "", bool image = false);

// The training answer of a sample: each phrase's first "<p>phrase</p>" in the tagged caption locates it in the
// caption (as the original's loader does, after lower-casing both unless keep_case), and each is replaced, in
// caption order, by "<p> phrase </p> [DET]" (QUERY: GLaMM's "[SEG]"). Phrases come back in that order (the [DET]
// order). Throws grove::Error("caption", ...) naming a phrase that the tagged caption does not hold.
struct Answer {
  std::string text;
  std::vector<std::string> phrases;
};
Answer tagged_answer(const std::string& caption, const std::string& tagged_caption,
                     const std::vector<std::string>& phrases, bool keep_case = false,
                     const std::string& query = "[DET]");

// A generated sequence decoded with batch_decode: newlines dropped, double spaces halved once, and the text after
// the last "ASSISTANT: " kept — the original's text_output (it keeps a trailing "</s>").
std::string answer_of_decoded(const std::string& decoded);

// What a prediction says of its caption (pred_text, pred_text_tagged, pred_phrases).
struct ParsedCaption {
  std::string caption;         // tags and [DET] (GLaMM: [SEG]) removed, whitespace collapsed, "'" stripped at both ends
  std::string tagged_caption;  // [DET] and [SEG] removed, <p> tags kept, the same clean-up
  std::vector<std::string> phrases;  // every <p>...</p>, stripped, in order
};
ParsedCaption parse_answer(const std::string& text_output);

}  // namespace grove::text
