// Stage 1 of the annotation pipeline (stages.h): a grounded caption and boxes for every frame of a clip, each frame
// on its own, as the paper runs the still-image model GLaMM. grove runs its own network (model/infer.h, the iground
// protocol) on a one-frame clip per frame, so any grove model directory serves; its kept boxes are the frame's
// boxes. Input: a frames record (grove-decode, 5 fps); output: a frame_captions record (grove-stream(5)).
#pragma once
#include "io/record.h"
#include "model/infer.h"

namespace grove::annotate {

// Throws grove::Error naming the clip on bad input.
io::Record frame_captions(model::Predictor& predictor, const io::Record& frames, model::InferStats* stats = nullptr);

}  // namespace grove::annotate
