// The three stages of the automatic annotation pipeline that built HowToGround1M (reference/evaluation.md 2.7), one
// function each, record in, record out (grove-stream(5)):
//   1. frames -> frame_captions: a grounded caption and boxes for every frame on its own (frame_captions.h; needs
//      the network, so it lives in libgrove-torch);
//   2. frame_captions -> video_caption: each frame caption's subject-verb-object clauses with their adpositional
//      phrases (clauses.h), merged by an LLM into one video caption that tags the person and the main object;
//   3. video_caption -> sample: the LLM assigns every frame-level phrase to a video-level phrase or to none; the
//      boxes that inherit a video phrase are its track, in the HowToGround1M sample layout.
// An LLM answer that cannot be used is answered with the problem and asked again, up to `attempts` answers in all;
// then the stage throws grove::Error naming the clip, and the caller writes an error record.
#pragma once
#include <string>

#include "annotate/chat.h"
#include "annotate/clauses.h"
#include "io/record.h"

namespace grove::annotate {

struct LlmStats {
  int calls = 0;      // answers asked for
  int rejected = 0;   // answers that could not be used (or a backend error)
};

// Stage 2. The prompt's placeholder: {{frames}} (one line per run of frames with the same clauses).
io::Record video_caption(const io::Record& frame_captions, const ClauseParser& parser, ChatBackend& llm,
                         const PromptTemplate& prompt, int attempts, LlmStats* stats = nullptr);

// The {{frames}} text of stage 2 for a frame_captions record (exposed for tests and --dry-run).
std::string describe_frames(const io::Record& frame_captions, const ClauseParser& parser);

// Stage 3. The prompt's placeholders: {{caption}} (the tagged video caption), {{video_phrases}} and
// {{frame_phrases}} (one per line).
io::Record label_tracks(const io::Record& video_caption, ChatBackend& llm, const PromptTemplate& prompt, int attempts,
                        LlmStats* stats = nullptr);

}  // namespace grove::annotate
