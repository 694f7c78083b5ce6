#include "model/grove.h"

#include <torch/torch.h>

#include "core/error.h"
#include "video/resample.h"

namespace grove::model {

GroveBodyImpl::GroveBodyImpl(const arch::Config& c) {
  const auto& l = c.llama;
  embed_tokens = register_module("embed_tokens", nn::Embedding(l.vocab_size, l.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < l.num_hidden_layers; ++i) layers->push_back(LlamaLayer(l));
  norm = register_module("norm", RmsNorm(l.hidden_size, l.rms_norm_eps));
  // model.vision_tower (CLIPVisionTower) . vision_tower (CLIPVisionModel) . vision_model
  auto tower = register_module("vision_tower", std::make_shared<torch::nn::Module>());
  auto hf_model = tower->register_module("vision_tower", std::make_shared<torch::nn::Module>());
  clip = hf_model->register_module("vision_model", ClipVision(c.clip, c.num_frames));
  mm_projector = register_module("mm_projector", make_projector(c.clip.hidden_size, l.hidden_size));
  grounding_encoder = register_module("grounding_encoder", Sam(c.sam, c.num_frames, c.temporal_objectness, !c.glamm()));
  text_hidden_fcs = register_module("text_hidden_fcs", torch::nn::ModuleList());
  text_hidden_fcs->push_back(torch::nn::Sequential(nn::Linear(l.hidden_size, l.hidden_size), torch::nn::ReLU(),
                                                   nn::Linear(l.hidden_size, c.sam.prompt_dim),
                                                   torch::nn::Dropout(0.0)));
}

GroveImpl::GroveImpl(const arch::Config& c) : config(c) {
  model = register_module("model", GroveBody(c));
  lm_head = register_module(
      "lm_head", nn::Linear(c.llama.hidden_size, c.llama.vocab_size, false));
}

at::Tensor GroveImpl::video_tokens(const at::Tensor& clip_pixels) {
  at::Tensor patches = model->clip->forward(clip_pixels);
  at::Tensor pooled = pool_video_tokens(patches, config.clip, config.num_frames);
  return model->mm_projector->forward(pooled.to(lm_head->weight.dtype()));
}

at::Tensor GroveImpl::image_embeddings(const at::Tensor& sam_pixels) {
  return model->grounding_encoder->image_encoder->forward(sam_pixels);
}

namespace {

int64_t placeholder_index(const at::Tensor& ids, int64_t placeholder) {
  at::Tensor where = (ids == placeholder).nonzero();
  if (where.size(0) != 1)
    throw Error("prompt", "expected exactly one video placeholder (" + std::to_string(placeholder) + ") among the " +
                              std::to_string(ids.numel()) + " ids, found " + std::to_string(where.size(0)));
  return where[0][0].item<int64_t>();
}

}  // namespace

at::Tensor GroveImpl::assemble(const at::Tensor& ids_in, const at::Tensor& video) {
  at::Tensor ids = ids_in.flatten().to(torch::kLong);
  const int64_t at = placeholder_index(ids, config.tokens.image_placeholder), l = ids.size(0);
  const auto& table = model->embed_tokens->weight;
  at::Tensor before = table.index_select(0, ids.narrow(0, 0, at).to(table.device()));
  at::Tensor after = table.index_select(0, ids.narrow(0, at + 1, l - at - 1).to(table.device()));
  return torch::cat({before, video.reshape({-1, table.size(1)}).to(table.dtype()), after}, 0).unsqueeze(0);
}

at::Tensor GroveImpl::assemble_labels(const at::Tensor& labels_in, int64_t at, int64_t n) {
  at::Tensor labels = labels_in.flatten().to(torch::kLong);
  return torch::cat({labels.narrow(0, 0, at), torch::full({n}, -100, torch::kLong),
                     labels.narrow(0, at + 1, labels.size(0) - at - 1)})
      .unsqueeze(0);
}

at::Tensor GroveImpl::decode(const at::Tensor& embeds, KvCache* cache) {
  return model->norm->forward(run_layers(model->layers, config.llama, embeds, cache, checkpoint_layers));
}

at::Tensor GroveImpl::logits(const at::Tensor& hidden) { return lm_head->forward(hidden); }

std::vector<int64_t> GroveImpl::det_positions(const at::Tensor& ids_in, int64_t video_tokens) const {
  at::Tensor ids = ids_in.flatten().to(torch::kLong).cpu().contiguous();
  const int64_t at = placeholder_index(ids, config.tokens.image_placeholder);
  const int64_t* p = ids.data_ptr<int64_t>();
  std::vector<int64_t> out;
  // The original: mask = ids[1:] == [DET], with video_tokens - 1 falses in front: id s selects position
  // s - 1 + video_tokens - 1, which for s after the placeholder is the assembled position of id s - 1.
  for (int64_t s = 1; s < ids.numel(); ++s)
    if (p[s] == config.tokens.det) {
      if (s <= at) throw Error("prompt", "a [DET] token before the video placeholder");
      out.push_back(s - 1 + video_tokens - 1);
    }
  return out;
}

at::Tensor GroveImpl::det_features(const at::Tensor& hidden, const std::vector<int64_t>& positions) {
  at::Tensor idx = torch::tensor(positions, torch::kLong).to(hidden.device());
  return model->text_hidden_fcs[0]->as<torch::nn::SequentialImpl>()->forward(hidden.index_select(0, idx));
}

MaskGeometry mask_geometry(const arch::Config& c, int64_t pixel_w, int64_t pixel_h, int64_t width, int64_t height) {
  const auto [w, h] = video::sam_view_size(static_cast<int>(pixel_w), static_cast<int>(pixel_h),
                                           static_cast<int>(c.sam.image_size));
  return {h, w, height, width};
}

WindowBoxes GroveImpl::boxes(const at::Tensor& image_embeddings, const at::Tensor& queries, const MaskGeometry* geometry) {
  const int64_t frames = image_embeddings.size(0), n = queries.size(0);
  BoxPredictions p;
  if (config.glamm()) {
    if (!geometry) throw Error("boxes", "a glamm-style model needs the frames' geometry to cut its masks");
    const MaskGeometry& g = *geometry;
    MaskPredictions m = model->grounding_encoder->decode_masks(image_embeddings, queries);
    at::Tensor masks = postprocess_masks(m.masks.narrow(1, 0, 1), config.sam.image_size, g.input_h, g.input_w,
                                         g.orig_h, g.orig_w)
                           .select(1, 0);
    MaskBoxes mb = mask_boxes(masks);
    at::Tensor b = mb.boxes;
    at::Tensor wh = (b.narrow(1, 2, 2) - b.narrow(1, 0, 2)).clamp_min(0);
    at::Tensor scale = torch::tensor({static_cast<float>(g.orig_w), static_cast<float>(g.orig_h)}, b.options());
    p.boxes = torch::cat({(b.narrow(1, 0, 2) + wh / 2) / scale, wh / scale}, 1).to(queries.dtype());
    p.logits = torch::where(mb.nonempty, torch::full({}, 20.0, b.options()), torch::full({}, -20.0, b.options()))
                   .to(queries.dtype());
  } else {
    p = model->grounding_encoder->decode(image_embeddings, queries);
  }
  WindowBoxes out;
  for (int64_t f = 0; f < frames; ++f) {
    out.boxes.push_back(p.boxes.narrow(0, f * n, n));
    if (p.logits.defined()) out.logits.push_back(p.logits.narrow(0, f * n, n));
  }
  return out;
}

WindowPixels encoder_pixels(const std::vector<video::RgbImage>& frames, const arch::Config& c) {
  auto as_tensor = [](const video::RgbImage& v) {
    return torch::from_blob(const_cast<uint8_t*>(v.rgb.data()), {1, v.height, v.width, 3}, torch::kUInt8).clone();
  };
  std::vector<at::Tensor> clips, sams;
  for (const auto& f : frames) {
    clips.push_back(as_tensor(video::clip_view(f, static_cast<int>(c.clip.image_size))));
    sams.push_back(as_tensor(video::sam_view(f, static_cast<int>(c.sam.image_size))));
  }
  return {clip_normalize(torch::cat(clips)), sam_normalize(torch::cat(sams), c.sam.image_size)};
}

TeacherForced teacher_forced(Grove& g, const WindowPixels& pixels, const at::Tensor& ids) {
  TeacherForced out;
  at::Tensor video = g->video_tokens(pixels.clip);
  out.hidden = g->decode(g->assemble(ids, video));
  out.logits = g->logits(out.hidden);
  out.det_at = g->det_positions(ids, video.size(1));
  out.queries = g->det_features(out.hidden[0], out.det_at);
  out.boxes = g->boxes(g->image_embeddings(pixels.sam), out.queries);
  return out;
}

KeptBoxes keep_boxes(const WindowBoxes& b, int64_t width, int64_t height, double threshold) {
  KeptBoxes out;
  for (size_t f = 0; f < b.boxes.size(); ++f) {
    at::Tensor px = to_pixel_xyxy(b.boxes[f], width, height);
    std::vector<int64_t> kept;
    if (b.logits.empty()) {
      for (int64_t j = 0; j < px.size(0); ++j) kept.push_back(j);
    } else {
      at::Tensor keep = (torch::sigmoid(b.logits[f]) > threshold).cpu();
      for (int64_t j = 0; j < keep.size(0); ++j)
        if (keep[j].item<bool>()) kept.push_back(j);
    }
    out.boxes.push_back(px.index_select(0, torch::tensor(kept, torch::kLong).to(px.device())));
    out.kept.push_back(std::move(kept));
  }
  return out;
}

}  // namespace grove::model
