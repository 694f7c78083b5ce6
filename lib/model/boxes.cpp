#include "model/boxes.h"

#include <torch/torch.h>

#include "core/error.h"

namespace grove::model {

at::Tensor cxcywh_to_xyxy(const at::Tensor& b) {
  at::Tensor cx = b.select(1, 0), cy = b.select(1, 1), w = b.select(1, 2), h = b.select(1, 3);
  return torch::stack({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, 1);
}

at::Tensor to_pixel_xyxy(const at::Tensor& b, int64_t width, int64_t height) {
  at::Tensor px = torch::stack({b.select(1, 0) * width, b.select(1, 1) * height, b.select(1, 2) * width,
                                b.select(1, 3) * height},
                               1);
  return cxcywh_to_xyxy(px);
}

at::Tensor giou_loss_sum(const at::Tensor& p, const at::Tensor& g) {
  constexpr double eps = 1e-7;
  auto c = [](const at::Tensor& t, int64_t i) { return t.select(1, i); };
  at::Tensor xi1 = torch::max(c(p, 0), c(g, 0)), yi1 = torch::max(c(p, 1), c(g, 1));
  at::Tensor xi2 = torch::min(c(p, 2), c(g, 2)), yi2 = torch::min(c(p, 3), c(g, 3));
  at::Tensor overlap = (yi2 > yi1) & (xi2 > xi1);
  at::Tensor inter = torch::where(overlap, (xi2 - xi1) * (yi2 - yi1), torch::zeros_like(xi1));
  at::Tensor uni = (c(p, 2) - c(p, 0)) * (c(p, 3) - c(p, 1)) + (c(g, 2) - c(g, 0)) * (c(g, 3) - c(g, 1)) - inter;
  at::Tensor iou = inter / (uni + eps);
  at::Tensor xc1 = torch::min(c(p, 0), c(g, 0)), yc1 = torch::min(c(p, 1), c(g, 1));
  at::Tensor xc2 = torch::max(c(p, 2), c(g, 2)), yc2 = torch::max(c(p, 3), c(g, 3));
  at::Tensor area = (xc2 - xc1) * (yc2 - yc1);
  return (1 - (iou - (area - uni) / (area + eps))).sum();
}

at::Tensor causal_lm_loss(const at::Tensor& logits, const at::Tensor& labels) {
  const int64_t l = logits.size(1);
  at::Tensor shifted = logits.narrow(1, 0, l - 1).reshape({-1, logits.size(2)});
  at::Tensor target = labels.narrow(1, 1, l - 1).reshape({-1}).to(logits.device());
  return torch::nn::functional::cross_entropy(shifted, target,  // in the logits dtype, as the original
                                              torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
}

GroundingLosses grounding_losses(const at::Tensor& ce, const std::vector<at::Tensor>& boxes,
                                 const std::vector<at::Tensor>& logits, const std::vector<at::Tensor>& gt_boxes,
                                 const std::vector<at::Tensor>& gt_objectness, const LossWeights& w) {
  if (gt_boxes.size() != boxes.size() || gt_objectness.size() != boxes.size())
    throw Error("losses", std::to_string(boxes.size()) + " frames predicted but " + std::to_string(gt_boxes.size()) +
                              " with ground truth");
  auto opts = ce.options();
  at::Tensor giou = torch::zeros({}, opts), l1 = torch::zeros({}, opts), obj = torch::zeros({}, opts);
  int64_t num_boxes = 0, num_queries = 0;
  const bool with_objectness = !logits.empty();
  for (size_t f = 0; f < boxes.size(); ++f) {
    at::Tensor present = gt_objectness[f].to(boxes[f].device());
    at::Tensor gt = gt_boxes[f].to(boxes[f].device());
    const int64_t n = gt.size(0);
    if (present.sum().item<double>() != static_cast<double>(n))
      throw Error("losses", "frame " + std::to_string(f) + " has " + std::to_string(n) +
                                " ground-truth boxes but objectness labels for " +
                                std::to_string(present.sum().item<int64_t>()));
    if (n > 0) {
      at::Tensor pred = boxes[f].index({present.to(torch::kBool)});
      giou = giou + giou_loss_sum(cxcywh_to_xyxy(pred), cxcywh_to_xyxy(gt));
      l1 = l1 + (pred - gt).abs().sum();
    }
    if (with_objectness)
      obj = obj + torch::nn::functional::binary_cross_entropy_with_logits(
                      logits[f], present.to(logits[f].dtype()),
                      torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
    num_boxes += n;
    num_queries += boxes[f].size(0);
  }
  GroundingLosses out;
  out.ce = ce * w.ce;
  out.giou = w.giou * giou / (num_boxes + 1e-8);
  out.l1 = w.giou * l1 / (num_boxes + 1e-8);
  out.loss = out.ce + out.giou + out.l1;
  if (with_objectness) {
    out.objectness = w.objectness * obj / (num_queries + 1e-8);
    out.loss = out.loss + out.objectness;
  }
  return out;
}

}  // namespace grove::model
