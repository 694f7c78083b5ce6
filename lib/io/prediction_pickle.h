// Prediction records as the original's infer_iground.py pickles them (reference/evaluation.md 1.1), so its
// eval_iground.py scores grove's output, and the original's prediction pickles can be read into grove streams:
//   {clip id: {'pred_bboxes': [np.float32 (K_t, 4)], 'pred_labels': [[str]], 'pred_phrases': [str],
//              'pred_text': str, 'pred_text_tagged': str, 'probs_temp_objectness': [np.float32 (N,)]}}
// The pickle has no frame indices nor frame size: read back, frame_indices are the positions 0..T-1. A box with
// no phrase (label "" in grove) has no label in the pickle, as in the original's; read back, it gets "" again.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "io/record.h"

namespace grove::io {

// The pickle of these prediction records (protocol 3, numpy 1.x array layout). Throws grove::Error naming a
// record that is not a valid prediction.
std::string predictions_to_pickle(const std::vector<Record>& predictions);

// Prediction records from such a pickle; 'where' names it in errors. Throws grove::Error on anything else.
std::vector<Record> predictions_from_pickle(std::string_view data, const std::string& where);

// The other benchmarks' prediction files, as the original's infer scripts write them, into the prediction records
// grove-eval scores (grounding_records.h says which fields each protocol reads). A clip that cannot be converted is
// a failure (the rest still are); a file that is not of the layout at all throws grove::Error.
struct PredictionImport {
  std::vector<Record> predictions;
  struct Failure {
    std::string id, message;
  };
  std::vector<Failure> failures;
};

// infer_vidstg.py's pickle {video_id: {'boxes': [np (1,4) xyxy per frame], 'frame_ids': [native frame numbers],
// 'qtype': str}}: frame_indices are the frame_ids, one box per frame (the first 4 numbers of its array; none for
// None or an empty array), labels "", no phrases; qtype is kept.
PredictionImport vidstg_predictions_from_pickle(std::string_view data, const std::string& where);

// infer_anet.py's submission, JSON (as it writes it, despite a .pkl name) or the same dict pickled:
// {"results": {video: {segment: {"clss": [phrase], "idx_in_sent": [...], "bbox_for_all_frames": [[box per
// frame 0..9] per phrase]}}}, ...}. One record per segment, id video_segment (import-anet's ids); phrases are clss;
// frame_indices 0..9 (the positions of the segment's 10 frames); frame f holds phrase i's box on f, labelled
// clss[i], in phrase order. The submission has no caption: caption and tagged_caption are "".
PredictionImport anet_predictions_from_submission(std::string_view data, const std::string& where);

// infer_youcookinteractions.py's / infer_groundingyoutube.py's pickle {video_segment: {'pts_to_bbox': {seconds: np
// (1,4)}, 'final_boxes': [np (1,4) per annotated second], 'selected_pts': [seconds]}}. eval_youcookinteractions.py
// pairs final_boxes with the ground truth's annotated seconds by position, and the pickle has no frame rate, so the
// frame numbers come from the ground-truth sample records of the same ids (grove-convert import-youcook): final box i
// is on the sample's frame_indices[i] (boxes past the sample's seconds are left out, as zip leaves them). A box of
// None or with a NaN becomes no box (wrong in both evaluators); its label is the sample's phrase. A clip with no
// sample is a failure.
PredictionImport youcook_predictions_from_pickle(std::string_view data, const std::vector<Record>& samples,
                                                 const std::string& where);

}  // namespace grove::io
