// grove-convert from-pickle's readers (lib/io/prediction_pickle.h), each on every input: the original's iGround
// prediction pickle (predictions_from_pickle), infer_vidstg.py's pickle, infer_anet.py's submission (JSON or
// pickled) and the YouCook-Interactions prediction pickle (against two fixed ground-truth samples, the ids of
// tests/data/import/youcook_pred.pkl).
#include "fuzz_common.h"
#include "io/prediction_pickle.h"

namespace {

std::vector<grove::io::Record> youcook_samples() {
  using grove::io::Record;
  std::vector<Record> s;
  s.push_back({{"type", "sample"}, {"id", "yc1_4"}, {"phrases", {"cut the onion"}}, {"frame_indices", {315, 330, 345}}});
  s.push_back({{"type", "sample"}, {"id", "yc2_0"}, {"phrases", {"stir"}}, {"frame_indices", {0}}});
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<grove::io::Record> samples = youcook_samples();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  grove::fuzz::expect_errors([&] { 
    grove::fuzz::use_records(grove::io::predictions_from_pickle(text, "fuzz"), false);  // not validated by the reader
   });
  grove::fuzz::expect_errors([&] {
    grove::fuzz::use_records(grove::io::vidstg_predictions_from_pickle(text, "fuzz").predictions);
  });
  grove::fuzz::expect_errors([&] {
    grove::fuzz::use_records(grove::io::anet_predictions_from_submission(text, "fuzz").predictions);
  });
  grove::fuzz::expect_errors([&] {
    grove::fuzz::use_records(grove::io::youcook_predictions_from_pickle(text, samples, "fuzz").predictions);
  });
  return 0;
}
