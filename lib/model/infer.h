// Grounded captions and boxes for every frame of a clip (reference/model.md 4.6-4.10): the protocols of the
// original's infer_iground.py (caption generated on the centre window, every other window teacher-forced with it,
// temporal objectness gating the boxes) and of its VidSTG / ActivityNet / YouCook scripts (a given caption
// teacher-forced on every window, one box per phrase per frame). Input is a frames record, output a prediction
// record (grove-stream(5)).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.h"
#include "model/grove.h"
#include "text/tokenizer.h"

namespace grove::model {

struct InferOptions {
  enum class Protocol { IGround, TeacherForced };
  Protocol protocol = Protocol::IGround;
  // Empty: GLaMM's for a glamm-style model; else text::kInstructionGrounded, or for teacher-forced answers that are
  // whole captions as one phrase (VidSTG, YouCook, GroundingYouTube) kInstructionSingleBox.
  std::string instruction;
  bool sentence_answers = false;  // teacher-forced answers are whole captions as one phrase
  double threshold = 0.5;       // temporal objectness: keep a box where sigmoid(logit) > threshold
  int64_t max_new_tokens = 64;
  bool use_cache = true;        // greedy decoding with the KV cache (false: recompute; the same tokens)
  int64_t window_batch = 0;     // windows per teacher-forced pass (0: all of a clip's at once)
};

struct InferStats {
  int64_t windows = 0, generated_tokens = 0, frames = 0;
};

class Predictor {
 public:
  Predictor(Grove g, text::Tokenizer tokenizer, InferOptions options);

  // The prediction record for a frames record. answer: the teacher-forced protocol's tagged answer
  // ("<p> a man </p> [DET] cuts ..."), ignored by iground. Throws grove::Error naming the clip on bad input.
  io::Record predict(const io::Record& frames, const std::string& answer = "", InferStats* stats = nullptr);

  // Several clips at once: their captions are generated as one batch (iground), then each clip's other windows
  // are run. A clip that fails gets its error in its outcome; the others are unaffected.
  struct Outcome {
    io::Record record;        // the prediction, when error is empty
    std::string where, error;
  };
  std::vector<Outcome> predict_batch(const std::vector<const io::Record*>& frames,
                                     const std::vector<std::string>& answers, InferStats* stats = nullptr);

  const InferOptions& options() const { return options_; }

 private:
  struct Clip;
  Grove g_;
  text::Tokenizer tokenizer_;
  InferOptions options_;
};

}  // namespace grove::model
