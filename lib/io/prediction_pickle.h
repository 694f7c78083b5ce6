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

}  // namespace grove::io
