// The grounding encoder (reference/model.md section 2.4): SAM's ViT image encoder at 512 px with GROVE's Conv3d
// adapters after the global-attention blocks, the prompt encoder (sam_prompt.h), and the mask decoder in GROVE's
// "query" mode, whose output at the prompt slot feeds the box head (sigmoid cx, cy, w, h) and the temporal
// objectness head. Registered under the original's names relative to model.grounding_encoder.. The mask branch
// (output_upscaling, hypernetwork MLPs, IoU head) does not run in GROVE; it is SAM's and GLaMM's "mask" mode
// (MaskDecoder::predict_masks, with postprocess_masks and mask_boxes turning its masks into boxes).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include "arch/config.h"
#include "nn/layers.h"
#include "model/adapter.h"
#include "model/sam_prompt.h"

namespace grove::model {

// Linear - activation - Linear as lin1, lin2 (SAM's MLPBlock): GELU (erf) in the ViT, ReLU in the decoder.
struct SamMlpImpl : torch::nn::Module {
  SamMlpImpl(int64_t dim, int64_t hidden, bool gelu);
  at::Tensor forward(const at::Tensor& x);
  nn::Linear lin1{nullptr}, lin2{nullptr};
  bool gelu;
};
TORCH_MODULE(SamMlp);

// ViT attention with decomposed relative positions over a (size x size) grid of tokens.
struct SamViTAttentionImpl : torch::nn::Module {
  SamViTAttentionImpl(int64_t dim, int64_t heads, int64_t size);
  at::Tensor forward(const at::Tensor& x);  // (B, H, W, C) -> (B, H, W, C)
  nn::Linear qkv{nullptr}, proj{nullptr};
  at::Tensor rel_pos_h, rel_pos_w;  // (2 * size - 1, head_dim)
  int64_t heads;
};
TORCH_MODULE(SamViTAttention);

// One ViT block: windowed attention (window > 0: zero-pad to a multiple of the window, attend within windows) or
// global attention (window == 0), then the GELU MLP; pre-LayerNorm (eps 1e-6), residuals.
struct SamBlockImpl : torch::nn::Module {
  SamBlockImpl(const arch::SamConfig& c, int64_t window);
  at::Tensor forward(const at::Tensor& x);  // (B, H, W, C)
  nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  SamViTAttention attn{nullptr};
  SamMlp mlp{nullptr};
  int64_t window;
};
TORCH_MODULE(SamBlock);

struct PatchEmbedImpl : torch::nn::Module {
  explicit PatchEmbedImpl(const arch::SamConfig& c);
  nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

struct SamImageEncoderImpl : torch::nn::Module {
  SamImageEncoderImpl(const arch::SamConfig& c, int64_t num_frames);
  // pixels: (B * T, 3, S, S) normalised and padded frames, T = num_frames consecutive frames per clip window (the
  // adapters mix them). Returns the image embeddings (B * T, prompt_dim, grid, grid).
  at::Tensor forward(const at::Tensor& pixels);
  at::Tensor pos_embed;
  PatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList blocks, adapters;
  torch::nn::Sequential neck{nullptr};
  arch::SamConfig config;
  int64_t num_frames;
};
TORCH_MODULE(SamImageEncoder);

// SAM's attention of the two-way transformer: q, k, v projected to dim / downsample, heads, out back to dim.
struct SamAttentionImpl : torch::nn::Module {
  SamAttentionImpl(int64_t dim, int64_t heads, int64_t downsample);
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(SamAttention);

struct TwoWayBlockImpl : torch::nn::Module {
  TwoWayBlockImpl(const arch::SamConfig& c, bool skip_first_layer_pe);
  // queries (N, Q, D), keys (N, HW, D) -> updated (queries, keys).
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& queries, const at::Tensor& keys, const at::Tensor& query_pe,
                                            const at::Tensor& key_pe);
  SamAttention self_attn{nullptr}, cross_attn_token_to_image{nullptr}, cross_attn_image_to_token{nullptr};
  nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr}, norm4{nullptr};
  SamMlp mlp{nullptr};
  bool skip_first_layer_pe;
};
TORCH_MODULE(TwoWayBlock);

struct TwoWayTransformerImpl : torch::nn::Module {
  explicit TwoWayTransformerImpl(const arch::SamConfig& c);
  // image (N, D, h, w), image_pe (N, D, h, w), tokens (N, Q, D) -> the tokens' outputs (N, Q, D) and the image
  // tokens' (N, h * w, D).
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& image, const at::Tensor& image_pe, const at::Tensor& tokens);
  torch::nn::ModuleList layers;
  SamAttention final_attn_token_to_image{nullptr};
  nn::LayerNorm norm_final_attn{nullptr};
};
TORCH_MODULE(TwoWayTransformer);

// SAM's MLP head: num_layers Linear layers under layers.k, ReLU between them.
struct SamMlpHeadImpl : torch::nn::Module {
  SamMlpHeadImpl(int64_t in, int64_t hidden, int64_t out, int64_t num_layers);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(SamMlpHead);

struct BoxPredictions {
  at::Tensor boxes;   // (Nq, 4) sigmoid (cx, cy, w, h), normalised by the original frame's width and height
  at::Tensor logits;  // (Nq,) temporal objectness logits; undefined without the head
};

struct MaskPredictions {
  at::Tensor masks;  // (Nq, num_mask_tokens, 4g, 4g) mask logits at 4x the embedding grid (SAM's low-res masks)
  at::Tensor iou;    // (Nq, num_mask_tokens) predicted mask quality
};

struct MaskDecoderImpl : torch::nn::Module {
  // box_head false: SAM's (and GLaMM's) decoder, which has no box or objectness head and runs in mask mode only.
  MaskDecoderImpl(const arch::SamConfig& c, bool temporal_objectness, bool box_head = true);
  // Query mode. image_embeddings (F, D, g, g); dense_pe (1, D, g, g); sparse prompts (Nq, 1, D) with dense prompts
  // (Nq, D, g, g); reps[f] queries for frame f in order (sum = Nq): frame f's embedding is repeated reps[f] times.
  BoxPredictions forward(const at::Tensor& image_embeddings, const at::Tensor& dense_pe, const at::Tensor& sparse,
                         const at::Tensor& dense, const std::vector<int64_t>& reps);
  // Mask mode (SAM's, as GLaMM runs it), same inputs: every mask token's mask and IoU; SAM's single-mask output
  // (multimask_output false) is index 0, its three multimask outputs 1..3.
  MaskPredictions predict_masks(const at::Tensor& image_embeddings, const at::Tensor& dense_pe, const at::Tensor& sparse,
                                const at::Tensor& dense, const std::vector<int64_t>& reps);
  TwoWayTransformer transformer{nullptr};
  nn::Embedding iou_token{nullptr}, mask_tokens{nullptr};
  torch::nn::Sequential output_upscaling{nullptr}, bbox_prediction_head{nullptr};
  torch::nn::ModuleList output_hypernetworks_mlps;
  SamMlpHead iou_prediction_head{nullptr};
  nn::Linear temporal_objectness_head{nullptr};
  int64_t num_mask_tokens;

 private:
  // The two-way transformer over the queries' frames: its outputs for the tokens [iou, masks..., prompt] and the
  // image tokens, and the embedding grid (h, w).
  struct Decoded {
    at::Tensor tokens, image;
    int64_t h, w;
  };
  Decoded run(const at::Tensor& image_embeddings, const at::Tensor& dense_pe, const at::Tensor& sparse,
              const at::Tensor& dense, const std::vector<int64_t>& reps);
};
TORCH_MODULE(MaskDecoder);

// SAM's postprocess_masks: mask logits (N, C, h, w) upscaled (bilinear, float32) to the square model input
// (image_size), cropped to the resized frame (input_h, input_w) and resized (bilinear) to the original frame
// (orig_h, orig_w). Returns float32 logits (N, C, orig_h, orig_w); a pixel is in the mask where its logit is > 0.
at::Tensor postprocess_masks(const at::Tensor& masks, int64_t image_size, int64_t input_h, int64_t input_w,
                             int64_t orig_h, int64_t orig_w);

// The box of each mask (N, H, W; true or > 0 inside): its pixels' extent as edges (x1, y1, x2, y2) in pixels, x2 and
// y2 one past the last column and row, as grove-synth's boxes. Empty masks give all -1; nonempty says which are not.
struct MaskBoxes {
  at::Tensor boxes;     // (N, 4) float32
  at::Tensor nonempty;  // (N,) bool
};
MaskBoxes mask_boxes(const at::Tensor& masks);

// The module named grounding_encoder.
struct SamImpl : torch::nn::Module {
  SamImpl(const arch::SamConfig& c, int64_t num_frames, bool temporal_objectness, bool box_head = true);
  // The same text queries (N, D) decoded against each of the F frames' embeddings (F, D, g, g), frame-major: query
  // f * N + j is text j on frame f. boxes (F * N, 4), logits (F * N,).
  BoxPredictions decode(const at::Tensor& image_embeddings, const at::Tensor& text_embeds);
  // The same queries in mask mode (GLaMM's [SEG] path): every mask token's low-res mask and IoU, frame-major.
  MaskPredictions decode_masks(const at::Tensor& image_embeddings, const at::Tensor& text_embeds);
  SamImageEncoder image_encoder{nullptr};
  PromptEncoder prompt_encoder{nullptr};
  MaskDecoder mask_decoder{nullptr};
};
TORCH_MODULE(Sam);

// SAM's pixel normalisation of frames already resized so the longest side is image_size: uint8 (N, h, w, 3) ->
// float (N, 3, S, S), (x - mean) / std on the 0..255 scale in float32, zeros padded right and bottom.
at::Tensor sam_normalize(const at::Tensor& rgb_uint8, int64_t image_size);

}  // namespace grove::model
