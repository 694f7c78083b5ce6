// From grove records (grove-stream(5)) to the inputs of the grounding protocols: a sample record is the ground
// truth, a prediction record (or none) the prediction of the same id.
//   - iGround: frames pair by position, as eval_iground.py pairs the pickles' lists; a predicted box whose label
//     is "" has no label in the original's pickle (grove-convert to-pickle leaves it out), so it is left out of
//     the labels here too.
//   - VidSTG and the pointing game: frames pair by native frame number (the sample's frame_indices, else its
//     5 fps grid); VidSTG's sentence type is the sample's "qtype" ("unknown" when absent).
//   - ActivityNet-Entities: the sample's "tokens" and "entities" (grove-convert import-anet); the prediction's
//     phrases are the submission's clss, and phrase i's box on frame f (by position, 0..9) is the box of frame f
//     labelled with that phrase (the k-th box of that label for the k-th occurrence of the phrase).
// Each throws grove::Error(where, ...) when a record lacks what the protocol needs.
#pragma once
#include <string>
#include <vector>

#include "eval/anet.h"
#include "eval/iground.h"
#include "eval/pointing.h"
#include "eval/vidstg.h"
#include "io/record.h"

namespace grove::eval {

// A record's per-frame boxes ([[x1, y1, x2, y2], ...] per frame) and labels (drop_empty: leave out "" labels),
// checked: a malformed list is a grove::Error(where, ...).
std::vector<std::vector<Box>> boxes_per_frame(const io::Record& frames, const std::string& where);
std::vector<std::vector<std::string>> labels_per_frame(const io::Record& frames, bool drop_empty,
                                                       const std::string& where);

IgroundVideo iground_video(const io::Record& sample, const io::Record* prediction, const std::string& where);
VidstgVideo vidstg_video(const io::Record& sample, const io::Record* prediction, const std::string& where);
AnetSegment anet_segment(const io::Record& sample, const io::Record* prediction, const std::string& where);
PointingClip pointing_clip(const io::Record& sample, const io::Record* prediction, const std::string& where);

}  // namespace grove::eval
