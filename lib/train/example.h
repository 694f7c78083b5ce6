// One training example as the original's datasets and collate function make it (reference/training.md section 3):
// 8 frames chosen on the sample's 5 fps annotation grid (segment-wise random with a redraw until some frame shows an
// object, or segment centres for validation), both encoders' pixels, the llava_v1 conversation with one of the six
// instructions and the "<p> phrase </p> [DET]" answer, its ids and labels (answer and </s> supervised, the
// "instruction_len - 2" rule, 961 tokens at most), and per frame the boxes (normalised cx, cy, w, h, in phrase
// order) and the objectness labels.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "arch/config.h"
#include "io/record.h"
#include "text/tokenizer.h"
#include "video/resample.h"

namespace grove::train {

enum class Dataset { HowToGround, VidStg, AnetEntities };
Dataset parse_dataset(const std::string& name);  // "howtoground" (also iground), "vidstg", "anet"; throws

struct Example {
  std::string id;
  at::Tensor clip, sam;                  // (8, 3, S, S) each, float32
  at::Tensor ids, labels;                // (L,) int64: one -200 placeholder; labels -100 where not supervised
  std::vector<at::Tensor> boxes;         // per frame (n_f, 4) float32 normalised cxcywh, phrase order
  std::vector<at::Tensor> objectness;    // per frame (n_phrases,) float32 0/1
};

// Which annotation entries (positions into the sample's bboxes/labels) feed the 8 frames. Training: one random
// position per segment, redrawn (up to 100 times) until a chosen frame holds a box; validation: segment centres.
// Fewer entries than frames: each repeated in order. The draw depends only on (seed, epoch, id).
std::vector<size_t> choose_entries(const io::Record& sample, int64_t frames, bool random, uint64_t seed, int64_t epoch);

struct ExampleOptions {
  Dataset dataset = Dataset::HowToGround;
  bool random = true;         // training draws; validation takes centres and question 1
  uint64_t seed = 42;
  int64_t epoch = 0;
  int64_t max_tokens = 961;   // model_max_length 1536 - 575
};

// The example of a sample whose chosen frames (decoded at the entries choose_entries gave) are 'frames'.
Example make_example(const io::Record& sample, const std::vector<size_t>& entries,
                     const std::vector<video::RgbImage>& frames, const text::Tokenizer& tokenizer,
                     const arch::Config& config, const ExampleOptions& options);

// The labels of a conversation's ids: only the answer and its closing </s> are supervised (LLaVA v1 masking).
at::Tensor conversation_labels(const std::string& conversation, const std::vector<int64_t>& ids,
                               const text::Tokenizer& tokenizer);

}  // namespace grove::train
