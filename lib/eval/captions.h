// The caption half of the original's evaluation: pycocoevalcap 1.2's COCOEvalCap.evaluate() without SPICE —
// tokenisation (ptb_tokenize.h), then BLEU-1..4, METEOR, ROUGE-L and CIDEr-D (caption_metrics.h, meteor.h) over
// the items, each item one candidate and one or more references. Metric names are the toolkit's: Bleu_1 ..
// Bleu_4, METEOR, ROUGE_L, CIDEr.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "eval/meteor.h"

namespace grove::eval {

struct CaptionInput {
  std::string id;
  std::string candidate;                // raw caption (pred_text)
  std::vector<std::string> references;  // raw ground-truth captions, at least one
};

struct CaptionScores {
  std::vector<std::string> names;                // metric names in the toolkit's order
  std::map<std::string, double> corpus;          // what COCOEvalCap.eval holds
  std::vector<std::map<std::string, double>> per_item;  // COCOEvalCap.imgToEval, in input order
  std::vector<std::string> candidate_tokens;     // the tokenised captions the scorers saw
  std::vector<std::vector<std::string>> reference_tokens;
};

// The toolkit's metric names in its order: Bleu_1..4, METEOR, ROUGE_L, CIDEr (METEOR only with a scorer).
std::vector<std::string> caption_metric_names(bool with_meteor);

// Scores the items. meteor may be null (no METEOR). Throws std::invalid_argument for an item without references.
// CIDEr-D's document frequencies come from exactly these items' references, as in the toolkit.
CaptionScores score_captions(const std::vector<CaptionInput>& items, const Meteor* meteor, int threads = 1);

}  // namespace grove::eval
