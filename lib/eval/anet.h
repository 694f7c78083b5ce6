// ActivityNet-Entities grounding on generated sentences, as eval_anet.py (the official
// eval_grd_anet_entities.py) computes it in --eval_mode gen, --loc_mode all or loc:
//   - overlap of a predicted phrase and a ground-truth word: the maximum, over its 10 predicted frames and the
//     word's boxes, of the IoU (+1 pixel convention, float32 as torch computes it) of boxes on the same frame
//     (0 across frames); a ground-truth box of one pixel gives 0, a predicted box of one pixel -1; correct when
//     the maximum is > 0.5;
//   - precision: each predicted phrase that equals an annotated word of its sentence exactly is scored against
//     the first annotated occurrence; else one whose lemma is the lemma of an unannotated token is ignored; else
//     it is a hallucination (0 in mode all, skipped in loc). Only segments with annotations and a prediction;
//   - recall: each annotated word scores 1 when the exact word is among the predicted phrases (first match) and
//     its overlap is correct; a word not predicted scores 0 in all, is skipped in loc; a segment without a
//     prediction scores 0 throughout;
//   - class-averaged P and R: per class the mean of its scores, summed over classes (in first-seen order) and
//     divided by the number of classes annotated in the segments scored for precision; F1 = 2PR / (P + R);
//   - per sentence: P, R and F1 of each segment scored for precision (P 0 when it has no scored phrase, F1 0 when
//     P and R are 0), segments with no recall entries left out; the sums are divided by (the number of
//     predicted segments - the number left out). Quirk: "predicted segments" counts every segment of the
//     submission, including those without annotations, which lowers the per-sentence values; corrected: the
//     number of segments averaged.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/iground.h"

namespace grove::eval {

struct AnetEntity {
  uint64_t frame = 0;                     // 0..9
  Box box{};
  std::vector<std::string> classes;       // process_clss of the box
  std::vector<uint64_t> word_indices;     // process_idx of the box
};

struct AnetSegment {
  std::string id;                         // video id + "_" + segment id
  std::vector<std::string> tokens;
  std::vector<AnetEntity> entities;       // empty: segment not annotated
  bool has_prediction = false;
  std::vector<std::string> pred_classes;                   // clss
  std::vector<std::vector<std::optional<Box>>> pred_boxes; // per predicted phrase: its box on frames 0..9
};

struct AnetOptions {
  bool loc = false;                        // --loc_mode loc (else all)
  bool corrected = false;
  double iou_threshold = 0.5;
  size_t predicted_segments = 0;           // segments in the submission (the per-sentence denominator's first term)
  std::function<std::string(const std::string&)> lemma;  // the lemma of a word or phrase
};

struct AnetScores {
  double precision = 0, recall = 0, f1 = 0;                             // class-averaged
  double precision_per_sent = 0, recall_per_sent = 0, f1_per_sent = 0;
  size_t vocabulary = 0, sentences = 0, sentences_without_labels = 0;
  struct Segment {
    std::string id;
    bool scored = false;
    double precision = 0, recall = 0, f1 = 0;
  };
  std::vector<Segment> per_segment;
};

// The overlap of one predicted phrase's boxes with a word's ground-truth boxes (bbox_overlaps_batch + max).
float anet_overlap(const std::vector<std::optional<Box>>& pred, const std::vector<const AnetEntity*>& gt);

AnetScores score_anet(const std::vector<AnetSegment>& segments, const AnetOptions& options);

}  // namespace grove::eval
