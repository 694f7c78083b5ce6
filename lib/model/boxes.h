// Box arithmetic and the training losses of the grounding head (reference/training.md section 5, model.md 4.8):
// cx,cy,w,h <-> x1,y1,x2,y2, un-normalisation to the original frame's pixels (in the boxes' own dtype, so a bf16
// model rounds as the original does), torchvision's generalized_box_iou_loss, and the weighted loss terms of
// GROVEForCausalLM._compute_loss_components_video with the causal language-model cross-entropy.
#pragma once
#include <ATen/core/Tensor.h>

#include <vector>

namespace grove::model {

at::Tensor cxcywh_to_xyxy(const at::Tensor& boxes);  // (N, 4) -> (N, 4)
// Normalised (cx, cy, w, h) -> pixel (x1, y1, x2, y2) of a WIDTH x HEIGHT frame, unclipped, in boxes' dtype.
at::Tensor to_pixel_xyxy(const at::Tensor& boxes, int64_t width, int64_t height);
// Sum over pairs of 1 - GIoU (eps 1e-7), boxes in xyxy, as torchvision's generalized_box_iou_loss(reduction="sum").
at::Tensor giou_loss_sum(const at::Tensor& pred_xyxy, const at::Tensor& gt_xyxy);
// Hugging Face's causal LM loss: logits (B, L, V) at position i predict labels (B, L) at i + 1; mean over labels
// other than -100.
at::Tensor causal_lm_loss(const at::Tensor& logits, const at::Tensor& labels);

struct LossWeights {
  double ce = 1.0, giou = 2.0, objectness = 2.0;  // the L1 term reuses the GIoU weight, as the original
};

struct GroundingLosses {
  at::Tensor loss, ce, giou, l1, objectness;  // weighted; objectness undefined without logits
};

// Per frame f: boxes[f] (N, 4) normalised cxcywh and logits[f] (N,) of the N [DET] queries; gt_boxes[f] (n_f, 4)
// for the queries whose gt_objectness[f] (N,) is 1, in query order. Throws grove::Error when n_f differs from the
// count of ones.
GroundingLosses grounding_losses(const at::Tensor& ce, const std::vector<at::Tensor>& boxes,
                                 const std::vector<at::Tensor>& logits, const std::vector<at::Tensor>& gt_boxes,
                                 const std::vector<at::Tensor>& gt_objectness, const LossWeights& w);

}  // namespace grove::model
