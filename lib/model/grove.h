// The whole GROVE network (reference/model.md sections 1, 2.5-2.6 and 4.5-4.8) under the checkpoint's names:
// model.{embed_tokens, layers, norm, vision_tower.vision_tower.vision_model, mm_projector, grounding_encoder,
// text_hidden_fcs} and lm_head. Sizes come from the config, so one code path serves grove-7b and the small test
// configurations. The region encoder is not built.
//
// One 8-frame window runs as: CLIP -> pooled video tokens -> projector; the prompt ids with their single
// placeholder expanded into those tokens; the LLaMA decoder (teacher-forced, or step by step with a cache); the
// [DET] features taken one position early (the hidden state that predicted each [DET]) through text_hidden_fcs;
// SAM's image embeddings of the window's frames and the box decoder, every frame against the same queries.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include "arch/config.h"
#include "nn/layers.h"
#include "model/boxes.h"
#include "model/clip.h"
#include "model/llama.h"
#include "model/sam.h"
#include "video/resample.h"

namespace grove::model {

// The module named "model".
struct GroveBodyImpl : torch::nn::Module {
  explicit GroveBodyImpl(const arch::Config& c);
  nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  RmsNorm norm{nullptr};
  ClipVision clip{nullptr};  // registered as vision_tower.vision_tower.vision_model
  torch::nn::Sequential mm_projector{nullptr};
  Sam grounding_encoder{nullptr};
  torch::nn::ModuleList text_hidden_fcs;  // one Sequential: Linear, ReLU, Linear, Dropout(0)
};
TORCH_MODULE(GroveBody);

// A window's frames prepared for both encoders.
struct WindowPixels {
  at::Tensor clip;  // (T, 3, clip.image_size, clip.image_size) normalised
  at::Tensor sam;   // (T, 3, sam.image_size, sam.image_size) normalised and padded
};

// Frames as both encoders take them: the CLIP view (PIL bicubic, centre crop, CLIP mean/std) and the SAM view (PIL
// bilinear longest side, mean/std on 0..255, zero pad right/bottom) of each, in float32 on the CPU.
WindowPixels encoder_pixels(const std::vector<video::RgbImage>& frames, const arch::Config& c);

// Where a window's SAM input came from, for the mask boxes of style "glamm": the frame resized for SAM (input_h x
// input_w inside the padded square) and the original frame (orig_h x orig_w), whose pixels the masks are cut in.
struct MaskGeometry {
  int64_t input_h = 0, input_w = 0, orig_h = 0, orig_w = 0;
};
// The geometry of a decoded frame of pixel_w x pixel_h from a WIDTH x HEIGHT video, for a model of config c.
MaskGeometry mask_geometry(const arch::Config& c, int64_t pixel_w, int64_t pixel_h, int64_t width, int64_t height);

// The boxes of one window: per frame, the N queries' boxes and logits in [DET] order.
struct WindowBoxes {
  std::vector<at::Tensor> boxes;   // per frame (N, 4) normalised cx, cy, w, h
  std::vector<at::Tensor> logits;  // per frame (N,); empty without the objectness head
};

struct GroveImpl : torch::nn::Module {
  explicit GroveImpl(const arch::Config& c);

  // (T, 3, S, S) -> (1, pooled tokens, hidden): CLIP layer select_layer, 3D pooling, projector.
  at::Tensor video_tokens(const at::Tensor& clip_pixels);
  // (T, 3, S, S) -> (T, prompt_dim, grid, grid).
  at::Tensor image_embeddings(const at::Tensor& sam_pixels);
  // ids (L,) with exactly one image placeholder -> (1, L - 1 + tokens, hidden): the embeddings of the ids before
  // it, the video tokens, the embeddings of the ids after it. Throws grove::Error without exactly one placeholder.
  at::Tensor assemble(const at::Tensor& ids, const at::Tensor& video_tokens);
  // The labels of the assembled sequence: the placeholder's label replaced by -100 for every video token.
  at::Tensor assemble_labels(const at::Tensor& labels, int64_t placeholder_at, int64_t video_tokens);
  // The decoder on embeddings (B, L, hidden) at positions cache->length .. (0 .. without a cache): the final
  // post-RMSNorm hidden states (B, L, hidden). With a cache, appends these positions to it.
  at::Tensor decode(const at::Tensor& embeds, KvCache* cache = nullptr);
  at::Tensor logits(const at::Tensor& hidden);  // lm_head
  // The assembled positions whose hidden state feeds a [DET] query: the position just before each [DET] of ids
  // (ids (L,) with one placeholder; [DET]s after it). Returned as indices into the assembled sequence.
  std::vector<int64_t> det_positions(const at::Tensor& ids, int64_t video_tokens) const;
  // text_hidden_fcs of the hidden states (L, hidden) at POSITIONS -> (N, prompt_dim).
  at::Tensor det_features(const at::Tensor& hidden, const std::vector<int64_t>& positions);
  // The box decoder: every frame's embedding (T, D, g, g) against the same queries (N, D). Style "glamm": SAM's
  // single mask of each query, post-processed to the original frame (geometry required), gives the box of its
  // pixels > 0 and a logit of +20 (a mask) or -20 (an empty one), so the objectness gate keeps exactly the masks.
  WindowBoxes boxes(const at::Tensor& image_embeddings, const at::Tensor& queries, const MaskGeometry* geometry = nullptr);

  GroveBody model{nullptr};
  nn::Linear lm_head{nullptr};
  arch::Config config;
  bool checkpoint_layers = false;  // activation checkpointing of the decoder layers while training
};
TORCH_MODULE(Grove);

// A teacher-forced pass over one window (GROVEForCausalLM.model_forward): everything the losses and the
// per-frame boxes need.
struct TeacherForced {
  at::Tensor hidden;            // (1, L_exp, hidden) final hidden states
  at::Tensor logits;            // (1, L_exp, vocab)
  std::vector<int64_t> det_at;  // assembled positions feeding the [DET] queries
  at::Tensor queries;           // (N, prompt_dim)
  WindowBoxes boxes;
};
TeacherForced teacher_forced(Grove& g, const WindowPixels& pixels, const at::Tensor& ids);

// Frames' boxes in pixels of the original WIDTH x HEIGHT frame, xyxy, kept where sigmoid(logit) > threshold
// (all of them without logits), in [DET] order; also the indices of the queries kept.
struct KeptBoxes {
  std::vector<at::Tensor> boxes;                 // per frame (K_t, 4)
  std::vector<std::vector<int64_t>> kept;        // per frame, the [DET] indices
};
KeptBoxes keep_boxes(const WindowBoxes& b, int64_t width, int64_t height, double threshold);

}  // namespace grove::model
