// Importers of the original's annotation files into sample records (grove-stream(5)), so that grove-eval and
// grove-train read every benchmark in one layout:
//   - HowToGround1M / iGround pickles, raw or processed (the same fields; processed ones hold the union box of a
//     phrase per frame): one dict {clip key: annotation} or one file per clip holding one annotation (the layout
//     the original's preprocess_howtoground_annot.py writes, the file stem being the key), and the same
//     annotations as JSON Lines (one annotation a line, its key in "id" or "key", else video_id_clip_id; or a
//     one-entry object {key: annotation}). An annotation has video_id, clip_id, video_fname, fps,
//     clip_start_frame, clip_end_frame, width, height, caption, tagged_caption, phrases, bboxes (per 5 fps frame:
//     a list or (K,4) numpy array of [x1,y1,x2,y2]) and labels (per frame: a list or numpy array of phrases).
//   - VidSTG in TubeDETR's layout ({split}.json: videos[] and trajectories{}), as eval_vidstg.py reads it: per
//     video the frames range(tube_start_frame, tube_end_frame - 1, int(fps / 5)), each with the target's box
//     (xywh in the file, xyxy in the record) labelled by the sentence; qtype kept.
//   - ActivityNet-Entities (anet_entities_cleaned_class_thresh50_*.json), restricted to the videos of some splits
//     of split_ids_anet_entities.json, with the per-video frame timestamps the original's timestamps_metadata.json
//     gives: per segment the 10 frames at the midpoints of 10 equal parts of [start, min(end, timestamps[-2])],
//     each the closest decoded frame; the boxes on their frame_ind; the sentence's tokens and the raw entities
//     (box, frame, classes, word indices) that eval_anet.py reads.
//   - YouCook-Interactions / GroundingYouTube ground-truth pickles (a list of dicts): per segment one frame per
//     annotated second (secs_relative), at native index round(sec * fps), with its box or none.
// Numbers that must be integers (frame numbers, sizes) are accepted as ints, integral floats or numpy scalars.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "io/pickle.h"
#include "io/record.h"

namespace grove::io {

struct ImportResult {
  std::vector<Record> samples;   // valid sample records, in the file's order
  struct Failure {
    std::string id, message;
  };
  std::vector<Failure> failures;  // clips that could not be imported (the rest still are)
};

struct ImportTags {
  std::string dataset;  // the records' "dataset" field ("" leaves it out)
  std::string split;    // the records' "split" field ("" leaves it out)
};

// One HowToGround-style annotation (already turned into JSON) with its key -> a sample record. Throws
// grove::Error(where, ...) when a field is missing or malformed.
Record howtoground_sample(const std::string& key, const Record& annotation, const ImportTags& tags,
                          const std::string& where);

// A HowToGround/iGround pickle: a dict of annotations, or one annotation (then 'stem' is its key).
ImportResult import_howtoground_pickle(std::string_view data, const std::string& stem, const ImportTags& tags,
                                       const std::string& where);
// A JSON Lines release of the same annotations (one JSON value per line).
ImportResult import_howtoground_jsonl(std::string_view text, const ImportTags& tags, const std::string& where);

// VidSTG: the parsed TubeDETR-style JSON.
ImportResult import_vidstg(const Record& json, const ImportTags& tags, const std::string& where);

// ActivityNet-Entities: the parsed annotation JSON; split_ids: the parsed split file (null: every video);
// splits: the split names to keep (e.g. {"validation"}); timestamps: the parsed {video: [seconds]} metadata (null:
// frames from the video's fps, when the annotation has one).
ImportResult import_anet(const Record& json, const Record& split_ids, const std::vector<std::string>& splits,
                         const Record& timestamps, const ImportTags& tags, const std::string& where);

// YouCook-Interactions ("youcook") or GroundingYouTube ("groundingyoutube") ground-truth pickle.
ImportResult import_youcook_pickle(std::string_view data, const std::string& dataset, const ImportTags& tags,
                                   const std::string& where);

// A pickled value as JSON: dicts (keys as strings), lists, tuples, numpy arrays (nested by their shape), numpy
// scalars, str, bytes (as text), numbers, bool, None. Throws for anything else.
Record pickle_value_to_json(const PyRef& v, const std::string& where);

}  // namespace grove::io
