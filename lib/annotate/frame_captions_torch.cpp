// See frame_captions.h.
#include "annotate/frame_captions.h"

#include "core/error.h"

namespace grove::annotate {

io::Record frame_captions(model::Predictor& predictor, const io::Record& frames, model::InferStats* stats) {
  io::Record out;
  out["type"] = "frame_captions";
  out["id"] = frames.at("id");
  for (const char* k : {"source", "fps", "width", "height", "frame_indices", "timestamps", "clip_start_frame", "clip_end_frame"})
    if (frames.contains(k)) out[k] = frames[k];
  io::Record captions = io::Record::array(), boxes = io::Record::array(), labels = io::Record::array();
  const auto& pixels = frames.at("pixels");
  for (size_t t = 0; t < pixels.size(); ++t) {
    io::Record one = io::Record::object();  // the clip cut down to frame t (without copying the others' pixels)
    for (const auto& [k, v] : frames.items())
      if (k != "pixels" && k != "frame_indices" && k != "timestamps") one[k] = v;
    one["frame_indices"] = io::Record::array({frames["frame_indices"][t]});
    one["timestamps"] = io::Record::array({frames["timestamps"][t]});
    one["pixels"] = io::Record::array({pixels[t]});
    const io::Record p = predictor.predict(one, "", stats);
    captions.push_back(p.at("tagged_caption"));
    boxes.push_back(p.at("boxes").at(0));
    labels.push_back(p.at("labels").at(0));
  }
  out["tagged_captions"] = std::move(captions);
  out["boxes"] = std::move(boxes);
  out["labels"] = std::move(labels);
  return out;
}

}  // namespace grove::annotate
