#include "model/sam.h"

#include <torch/torch.h>

#include <cmath>

#include "core/error.h"

namespace grove::model {

namespace {

nn::LayerNorm layer_norm(int64_t dim, double eps) { return nn::LayerNorm(dim, eps); }

// rel_pos[i - j + size - 1] for query row i and key row j: (size, size, head_dim). The tables always have
// 2 * size - 1 rows here (import resizes them), so the original's linear interpolation of other lengths never runs.
at::Tensor relative_table(const at::Tensor& rel_pos, int64_t size) {
  if (rel_pos.size(0) != 2 * size - 1)
    throw Error("SAM relative positions", "table of " + std::to_string(rel_pos.size(0)) + " rows for a grid of " +
                std::to_string(size) + " (expected " + std::to_string(2 * size - 1) + ")");
  at::Tensor i = torch::arange(size, torch::kLong);
  at::Tensor index = i.unsqueeze(1) - i.unsqueeze(0) + (size - 1);
  return rel_pos.index_select(0, index.flatten()).view({size, size, rel_pos.size(1)});
}

}  // namespace

SamMlpImpl::SamMlpImpl(int64_t dim, int64_t hidden, bool g) : gelu(g) {
  lin1 = register_module("lin1", nn::Linear(dim, hidden));
  lin2 = register_module("lin2", nn::Linear(hidden, dim));
}

at::Tensor SamMlpImpl::forward(const at::Tensor& x) {
  at::Tensor h = lin1->forward(x);
  return lin2->forward(gelu ? torch::gelu(h) : torch::relu(h));
}

SamViTAttentionImpl::SamViTAttentionImpl(int64_t dim, int64_t h, int64_t size) : heads(h) {
  qkv = register_module("qkv", nn::Linear(dim, 3 * dim));
  proj = register_module("proj", nn::Linear(dim, dim));
  rel_pos_h = register_parameter("rel_pos_h", nn::make_parameter({2 * size - 1, dim / h}, nn::Init::Zeros));
  rel_pos_w = register_parameter("rel_pos_w", nn::make_parameter({2 * size - 1, dim / h}, nn::Init::Zeros));
}

at::Tensor SamViTAttentionImpl::forward(const at::Tensor& x) {
  const int64_t b = x.size(0), h = x.size(1), w = x.size(2), d = x.size(3), hd = d / heads, bh = b * heads;
  auto qkv_ = qkv->forward(x).reshape({b, h * w, 3, heads, hd}).permute({2, 0, 3, 1, 4}).reshape({3, bh, h * w, hd});
  at::Tensor q = qkv_[0], k = qkv_[1], v = qkv_[2];
  at::Tensor attn = torch::matmul(q * std::pow(static_cast<double>(hd), -0.5), k.transpose(-2, -1));
  // Decomposed relative positions: the query's dot products with the row and column offset tables.
  at::Tensor rq = q.reshape({bh, h, w, hd});
  at::Tensor rel_h = torch::einsum("bhwc,hkc->bhwk", {rq, relative_table(rel_pos_h, h)});
  at::Tensor rel_w = torch::einsum("bhwc,wkc->bhwk", {rq, relative_table(rel_pos_w, w)});
  attn = (attn.view({bh, h, w, h, w}) + rel_h.unsqueeze(-1) + rel_w.unsqueeze(-2)).view({bh, h * w, h * w});
  attn = torch::softmax(attn, -1);
  at::Tensor out = torch::matmul(attn, v).view({b, heads, h, w, hd}).permute({0, 2, 3, 1, 4}).reshape({b, h, w, d});
  return proj->forward(out);
}

SamBlockImpl::SamBlockImpl(const arch::SamConfig& c, int64_t win) : window(win) {
  const int64_t d = c.embed_dim;
  norm1 = register_module("norm1", layer_norm(d, c.layer_norm_eps));
  attn = register_module("attn", SamViTAttention(d, c.num_heads, win > 0 ? win : c.grid()));
  norm2 = register_module("norm2", layer_norm(d, c.layer_norm_eps));
  mlp = register_module("mlp", SamMlp(d, d * c.mlp_ratio, true));
}

at::Tensor SamBlockImpl::forward(const at::Tensor& x) {
  at::Tensor h = norm1->forward(x);
  if (window > 0) {
    const int64_t b = h.size(0), H = h.size(1), W = h.size(2), c = h.size(3);
    const int64_t ph = (window - H % window) % window, pw = (window - W % window) % window;
    const int64_t Hp = H + ph, Wp = W + pw, nh = Hp / window, nw = Wp / window;
    if (ph > 0 || pw > 0) h = torch::constant_pad_nd(h, {0, 0, 0, pw, 0, ph});
    h = h.view({b, nh, window, nw, window, c}).permute({0, 1, 3, 2, 4, 5}).reshape({-1, window, window, c});
    h = attn->forward(h);
    h = h.view({b, nh, nw, window, window, c}).permute({0, 1, 3, 2, 4, 5}).reshape({b, Hp, Wp, c});
    if (ph > 0 || pw > 0) h = h.narrow(1, 0, H).narrow(2, 0, W);
  } else {
    h = attn->forward(h);
  }
  at::Tensor y = x + h;
  return y + mlp->forward(norm2->forward(y));
}

PatchEmbedImpl::PatchEmbedImpl(const arch::SamConfig& c) {
  proj = register_module(
      "proj", nn::Conv2d(nn::ConvSpec{3, c.embed_dim, c.patch_size, c.patch_size, 0}));
}

SamImageEncoderImpl::SamImageEncoderImpl(const arch::SamConfig& c, int64_t frames) : config(c), num_frames(frames) {
  const int64_t d = c.embed_dim, pd = c.prompt_dim;
  patch_embed = register_module("patch_embed", PatchEmbed(c));
  pos_embed = register_parameter("pos_embed", nn::make_parameter({1, c.grid(), c.grid(), d}, nn::Init::Zeros));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) blocks->push_back(SamBlock(c, c.is_global(i) ? 0 : c.window_size));
  adapters = register_module("adapters", torch::nn::ModuleList());
  if (c.has_adapters())
    for (size_t k = 0; k < c.global_attn_indexes.size(); ++k) adapters->push_back(ConvAdapter(d));
  neck = register_module(
      "neck", torch::nn::Sequential(nn::Conv2d(nn::ConvSpec{d, pd, 1, 1, 0, false}), LayerNorm2d(pd),
                                    nn::Conv2d(nn::ConvSpec{pd, pd, 3, 1, 1, false}),
                                    LayerNorm2d(pd)));
}

at::Tensor SamImageEncoderImpl::forward(const at::Tensor& pixels) {
  if (pixels.size(0) % num_frames != 0)
    throw Error("SAM image encoder", std::to_string(pixels.size(0)) + " frames is not a whole number of " +
                std::to_string(num_frames) + "-frame windows");
  at::Tensor x = patch_embed->proj->forward(pixels.to(pos_embed.dtype())).permute({0, 2, 3, 1}) + pos_embed;
  const int64_t b = x.size(0) / num_frames, g = x.size(1), d = x.size(3);
  for (int64_t i = 0; i < config.depth; ++i) {
    x = blocks[i]->as<SamBlockImpl>()->forward(x);
    const auto& gi = config.global_attn_indexes;
    auto it = std::find(gi.begin(), gi.end(), i);
    if (it == gi.end() || !config.has_adapters()) continue;
    auto& adapter = *adapters[it - gi.begin()]->as<ConvAdapterImpl>();
    at::Tensor v = x.reshape({b, num_frames, g, g, d}).permute({0, 4, 1, 2, 3});  // (b t) h w c -> b c t h w
    x = adapter.forward(v).permute({0, 2, 3, 4, 1}).reshape({b * num_frames, g, g, d});
  }
  return neck->forward(x.permute({0, 3, 1, 2}));
}

SamAttentionImpl::SamAttentionImpl(int64_t dim, int64_t h, int64_t downsample) : heads(h) {
  const int64_t inner = dim / downsample;
  if (inner % h != 0) throw Error("SAM attention", std::to_string(h) + " heads do not divide " + std::to_string(inner));
  q_proj = register_module("q_proj", nn::Linear(dim, inner));
  k_proj = register_module("k_proj", nn::Linear(dim, inner));
  v_proj = register_module("v_proj", nn::Linear(dim, inner));
  out_proj = register_module("out_proj", nn::Linear(inner, dim));
}

at::Tensor SamAttentionImpl::forward(const at::Tensor& q_in, const at::Tensor& k_in, const at::Tensor& v_in) {
  auto split = [&](const at::Tensor& t) {
    return t.reshape({t.size(0), t.size(1), heads, t.size(2) / heads}).transpose(1, 2);
  };
  at::Tensor q = split(q_proj->forward(q_in)), k = split(k_proj->forward(k_in)), v = split(v_proj->forward(v_in));
  at::Tensor attn = torch::matmul(q, k.permute({0, 1, 3, 2})) / std::sqrt(static_cast<double>(q.size(3)));
  at::Tensor out = torch::matmul(torch::softmax(attn, -1), v).transpose(1, 2);
  return out_proj->forward(out.reshape({out.size(0), out.size(1), -1}));
}

TwoWayBlockImpl::TwoWayBlockImpl(const arch::SamConfig& c, bool skip) : skip_first_layer_pe(skip) {
  const int64_t d = c.prompt_dim, h = c.decoder_heads, r = c.attention_downsample_rate;
  self_attn = register_module("self_attn", SamAttention(d, h, 1));
  norm1 = register_module("norm1", layer_norm(d, 1e-5));
  cross_attn_token_to_image = register_module("cross_attn_token_to_image", SamAttention(d, h, r));
  norm2 = register_module("norm2", layer_norm(d, 1e-5));
  mlp = register_module("mlp", SamMlp(d, c.decoder_mlp_dim, false));
  norm3 = register_module("norm3", layer_norm(d, 1e-5));
  norm4 = register_module("norm4", layer_norm(d, 1e-5));
  cross_attn_image_to_token = register_module("cross_attn_image_to_token", SamAttention(d, h, r));
}

std::pair<at::Tensor, at::Tensor> TwoWayBlockImpl::forward(const at::Tensor& queries_in, const at::Tensor& keys_in,
                                                           const at::Tensor& query_pe, const at::Tensor& key_pe) {
  at::Tensor queries;
  if (skip_first_layer_pe) {
    queries = self_attn->forward(queries_in, queries_in, queries_in);  // the original has no residual here
  } else {
    at::Tensor q = queries_in + query_pe;
    queries = queries_in + self_attn->forward(q, q, queries_in);
  }
  queries = norm1->forward(queries);
  at::Tensor k = keys_in + key_pe;
  queries = norm2->forward(queries + cross_attn_token_to_image->forward(queries + query_pe, k, keys_in));
  queries = norm3->forward(queries + mlp->forward(queries));
  at::Tensor keys = norm4->forward(keys_in + cross_attn_image_to_token->forward(k, queries + query_pe, queries));
  return {queries, keys};
}

TwoWayTransformerImpl::TwoWayTransformerImpl(const arch::SamConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.decoder_depth; ++i) layers->push_back(TwoWayBlock(c, i == 0));
  final_attn_token_to_image = register_module(
      "final_attn_token_to_image", SamAttention(c.prompt_dim, c.decoder_heads, c.attention_downsample_rate));
  norm_final_attn = register_module("norm_final_attn", layer_norm(c.prompt_dim, 1e-5));
}

std::pair<at::Tensor, at::Tensor> TwoWayTransformerImpl::forward(const at::Tensor& image, const at::Tensor& image_pe,
                                                                const at::Tensor& tokens) {
  at::Tensor keys = image.flatten(2).permute({0, 2, 1});
  at::Tensor key_pe = image_pe.flatten(2).permute({0, 2, 1});
  at::Tensor queries = tokens;
  for (const auto& layer : *layers)
    std::tie(queries, keys) = layer->as<TwoWayBlockImpl>()->forward(queries, keys, tokens, key_pe);
  at::Tensor attn = final_attn_token_to_image->forward(queries + tokens, keys + key_pe, keys);
  return {norm_final_attn->forward(queries + attn), keys};
}

SamMlpHeadImpl::SamMlpHeadImpl(int64_t in, int64_t hidden, int64_t out, int64_t n) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t k = 0; k < n; ++k) layers->push_back(nn::Linear(k == 0 ? in : hidden, k + 1 == n ? out : hidden));
}

at::Tensor SamMlpHeadImpl::forward(const at::Tensor& x) {
  at::Tensor h = x;
  for (size_t l = 0; l < layers->size(); ++l) {
    h = layers[l]->as<nn::LinearImpl>()->forward(h);
    if (l + 1 < layers->size()) h = torch::relu(h);
  }
  return h;
}

MaskDecoderImpl::MaskDecoderImpl(const arch::SamConfig& c, bool temporal_objectness, bool box_head)
    : num_mask_tokens(c.num_mask_tokens) {
  const int64_t d = c.prompt_dim;
  transformer = register_module("transformer", TwoWayTransformer(c));
  iou_token = register_module("iou_token", nn::Embedding(1, d));
  mask_tokens = register_module("mask_tokens", nn::Embedding(c.num_mask_tokens, d));
    output_upscaling = register_module(
      "output_upscaling", torch::nn::Sequential(nn::ConvTranspose2d(nn::ConvSpec{d, d / 4, 2, 2, 0}),
                                                LayerNorm2d(d / 4), torch::nn::GELU(),
                                                nn::ConvTranspose2d(nn::ConvSpec{d / 4, d / 8, 2, 2, 0}),
                                                torch::nn::GELU()));
  output_hypernetworks_mlps = register_module("output_hypernetworks_mlps", torch::nn::ModuleList());
  for (int64_t k = 0; k < c.num_mask_tokens; ++k) output_hypernetworks_mlps->push_back(SamMlpHead(d, d, d / 8, 3));
  iou_prediction_head = register_module("iou_prediction_head", SamMlpHead(d, d, c.num_mask_tokens, c.iou_head_depth));
  if (!box_head) return;
  bbox_prediction_head = register_module(
      "bbox_prediction_head", torch::nn::Sequential(nn::Linear(d, d), torch::nn::ReLU(), nn::Linear(d, 4)));
  if (temporal_objectness)
    temporal_objectness_head = register_module("temporal_objectness_head", nn::Linear(d, 1));
}

MaskDecoderImpl::Decoded MaskDecoderImpl::run(const at::Tensor& image_embeddings, const at::Tensor& dense_pe,
                                              const at::Tensor& sparse, const at::Tensor& dense,
                                              const std::vector<int64_t>& reps) {
  const int64_t nq = sparse.size(0);
  at::Tensor output_tokens = torch::cat({iou_token->weight, mask_tokens->weight}, 0);
  at::Tensor tokens = torch::cat({output_tokens.unsqueeze(0).expand({nq, -1, -1}), sparse}, 1);
  at::Tensor frame = torch::repeat_interleave(torch::arange(image_embeddings.size(0), torch::kLong),
                                              torch::tensor(reps, torch::kLong))
                         .to(image_embeddings.device());
  if (frame.size(0) != nq)
    throw Error("mask decoder", std::to_string(frame.size(0)) + " queries by frame but " + std::to_string(nq) +
                " prompts");
  at::Tensor src = image_embeddings.index_select(0, frame) + dense;
  at::Tensor pos = dense_pe.expand({nq, -1, -1, -1});
  auto [hs, keys] = transformer->forward(src, pos, tokens);
  return {hs, keys, src.size(2), src.size(3)};
}

BoxPredictions MaskDecoderImpl::forward(const at::Tensor& image_embeddings, const at::Tensor& dense_pe,
                                        const at::Tensor& sparse, const at::Tensor& dense,
                                        const std::vector<int64_t>& reps) {
  if (bbox_prediction_head.is_empty()) throw Error("mask decoder", "this decoder has no box head (mask mode only)");
  at::Tensor query_out = run(image_embeddings, dense_pe, sparse, dense, reps).tokens.select(1, 1 + num_mask_tokens);
  BoxPredictions out;
  out.boxes = torch::sigmoid(bbox_prediction_head->forward(query_out));
  if (!temporal_objectness_head.is_empty()) out.logits = temporal_objectness_head->forward(query_out).squeeze(1);
  return out;
}

MaskPredictions MaskDecoderImpl::predict_masks(const at::Tensor& image_embeddings, const at::Tensor& dense_pe,
                                               const at::Tensor& sparse, const at::Tensor& dense,
                                               const std::vector<int64_t>& reps) {
  Decoded d = run(image_embeddings, dense_pe, sparse, dense, reps);
  const int64_t nq = d.tokens.size(0), c = d.image.size(2);
  at::Tensor grid = d.image.transpose(1, 2).reshape({nq, c, d.h, d.w});
  at::Tensor up = output_upscaling->forward(grid);  // (Nq, D / 8, 4h, 4w)
  std::vector<at::Tensor> hyper;
  for (int64_t k = 0; k < num_mask_tokens; ++k)
    hyper.push_back(output_hypernetworks_mlps[k]->as<SamMlpHeadImpl>()->forward(d.tokens.select(1, 1 + k)));
  const int64_t uh = up.size(2), uw = up.size(3);
  MaskPredictions out;
  out.masks = torch::matmul(torch::stack(hyper, 1), up.flatten(2)).view({nq, num_mask_tokens, uh, uw});
  out.iou = iou_prediction_head->forward(d.tokens.select(1, 0));
  return out;
}

at::Tensor postprocess_masks(const at::Tensor& masks, int64_t image_size, int64_t input_h, int64_t input_w,
                             int64_t orig_h, int64_t orig_w) {
  namespace F = torch::nn::functional;
  auto bilinear = [](int64_t h, int64_t w) {
    return F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false);
  };
  at::Tensor x = F::interpolate(masks.to(torch::kFloat32), bilinear(image_size, image_size));
  x = x.narrow(2, 0, input_h).narrow(3, 0, input_w);
  return F::interpolate(x, bilinear(orig_h, orig_w));
}

MaskBoxes mask_boxes(const at::Tensor& masks) {
  at::Tensor in = masks.scalar_type() == torch::kBool ? masks : masks > 0;
  const int64_t h = in.size(1), w = in.size(2);
  at::Tensor rows = in.any(2), cols = in.any(1);  // (N, H), (N, W)
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(in.device());
  at::Tensor ys = torch::arange(h, f32), xs = torch::arange(w, f32);
  const double big = static_cast<double>(std::max(h, w)) + 1;
  // First and last true index along each axis: masked minima and maxima of the index vectors.
  at::Tensor x1 = torch::where(cols, xs, torch::full({}, big, f32)).amin(1);
  at::Tensor x2 = torch::where(cols, xs, torch::full({}, -1.0, f32)).amax(1) + 1;
  at::Tensor y1 = torch::where(rows, ys, torch::full({}, big, f32)).amin(1);
  at::Tensor y2 = torch::where(rows, ys, torch::full({}, -1.0, f32)).amax(1) + 1;
  MaskBoxes out;
  out.nonempty = cols.any(1);
  out.boxes = torch::where(out.nonempty.unsqueeze(1), torch::stack({x1, y1, x2, y2}, 1), torch::full({}, -1.0, f32));
  return out;
}

SamImpl::SamImpl(const arch::SamConfig& c, int64_t num_frames, bool temporal_objectness, bool box_head) {
  image_encoder = register_module("image_encoder", SamImageEncoder(c, num_frames));
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(c));
  mask_decoder = register_module("mask_decoder", MaskDecoder(c, temporal_objectness, box_head));
}

BoxPredictions SamImpl::decode(const at::Tensor& image_embeddings, const at::Tensor& text_embeds) {
  const int64_t frames = image_embeddings.size(0), n = text_embeds.size(0);
  at::Tensor sparse = text_embeds.unsqueeze(1).repeat({frames, 1, 1});  // frame-major (F * N, 1, D)
  std::vector<int64_t> reps(frames, n);
  return mask_decoder->forward(image_embeddings, prompt_encoder->dense_pe(), sparse.to(image_embeddings.dtype()),
                               prompt_encoder->dense_prompt(frames * n), reps);
}

MaskPredictions SamImpl::decode_masks(const at::Tensor& image_embeddings, const at::Tensor& text_embeds) {
  const int64_t frames = image_embeddings.size(0), n = text_embeds.size(0);
  at::Tensor sparse = text_embeds.unsqueeze(1).repeat({frames, 1, 1});
  std::vector<int64_t> reps(frames, n);
  return mask_decoder->predict_masks(image_embeddings, prompt_encoder->dense_pe(), sparse.to(image_embeddings.dtype()),
                                     prompt_encoder->dense_prompt(frames * n), reps);
}

at::Tensor sam_normalize(const at::Tensor& rgb_uint8, int64_t image_size) {
  const int64_t h = rgb_uint8.size(1), w = rgb_uint8.size(2);
  if (h > image_size || w > image_size)
    throw Error("SAM input", std::to_string(w) + "x" + std::to_string(h) + " exceeds " +
                std::to_string(image_size) + " pixels");
  const auto mean = torch::tensor({123.675f, 116.28f, 103.53f}).view({1, 3, 1, 1});
  const auto stdv = torch::tensor({58.395f, 57.12f, 57.375f}).view({1, 3, 1, 1});
  at::Tensor x = (rgb_uint8.permute({0, 3, 1, 2}).to(torch::kFloat32) - mean) / stdv;
  return torch::constant_pad_nd(x, {0, image_size - w, 0, image_size - h});
}

}  // namespace grove::model
