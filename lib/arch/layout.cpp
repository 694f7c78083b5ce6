#include "arch/layout.h"

#include "core/strings.h"

namespace grove::arch {

const char* const kClipPrefix = "model.vision_tower.vision_tower.vision_model.";
const char* const kSamPrefix = "model.grounding_encoder.";
const char* const kRegionPrefix = "model.region_encoder.";

int64_t TensorSpec::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

struct Builder {
  std::vector<TensorSpec> out;
  std::string group;
  void add(std::string name, std::vector<int64_t> shape) { out.push_back({std::move(name), std::move(shape), group}); }
  // nn.Linear(in, out[, bias])
  void linear(const std::string& p, int64_t in, int64_t o, bool bias = true) {
    add(p + ".weight", {o, in});
    if (bias) add(p + ".bias", {o});
  }
  void norm(const std::string& p, int64_t d) {  // LayerNorm / LayerNorm2d
    add(p + ".weight", {d});
    add(p + ".bias", {d});
  }
  void adapter(const std::string& p, int64_t d) {  // SpatioTemporalConvAdapter(d, d, (3,3,3))
    add(p + ".conv3d.weight", {d, d, 3, 3, 3});
    add(p + ".conv3d.bias", {d});
    add(p + ".alpha", {1});
  }
  // SAM's Attention (two-way transformer): q/k/v to dim/downsample, out back to dim.
  void sam_attention(const std::string& p, int64_t dim, int64_t internal) {
    linear(p + ".q_proj", dim, internal);
    linear(p + ".k_proj", dim, internal);
    linear(p + ".v_proj", dim, internal);
    linear(p + ".out_proj", internal, dim);
  }
};

void llama(Builder& b, const Config& c) {
  const auto& l = c.llama;
  const int64_t kv = l.num_key_value_heads * l.head_dim();
  b.group = "embed_tokens";
  b.add("model.embed_tokens.weight", {l.vocab_size, l.hidden_size});
  b.group = "llm";
  for (int64_t i = 0; i < l.num_hidden_layers; ++i) {
    std::string p = "model.layers." + std::to_string(i);
    b.linear(p + ".self_attn.q_proj", l.hidden_size, l.hidden_size, false);
    b.linear(p + ".self_attn.k_proj", l.hidden_size, kv, false);
    b.linear(p + ".self_attn.v_proj", l.hidden_size, kv, false);
    b.linear(p + ".self_attn.o_proj", l.hidden_size, l.hidden_size, false);
    b.linear(p + ".mlp.gate_proj", l.hidden_size, l.intermediate_size, false);
    b.linear(p + ".mlp.up_proj", l.hidden_size, l.intermediate_size, false);
    b.linear(p + ".mlp.down_proj", l.intermediate_size, l.hidden_size, false);
    b.add(p + ".input_layernorm.weight", {l.hidden_size});
    b.add(p + ".post_attention_layernorm.weight", {l.hidden_size});
  }
  b.add("model.norm.weight", {l.hidden_size});
  b.group = "lm_head";
  b.add("lm_head.weight", {l.vocab_size, l.hidden_size});
}

void clip(Builder& b, const Config& c) {
  const auto& v = c.clip;
  const std::string p = kClipPrefix;
  const int64_t d = v.hidden_size;
  b.group = "clip";
  b.add(p + "embeddings.class_embedding", {d});
  b.add(p + "embeddings.patch_embedding.weight", {d, 3, v.patch_size, v.patch_size});
  b.add(p + "embeddings.position_embedding.weight", {v.grid() * v.grid() + 1, d});
  b.norm(p + "pre_layrnorm", d);
  for (int64_t i = 0; i < v.num_hidden_layers; ++i) {
    std::string l = p + "encoder.layers." + std::to_string(i);
    for (const char* proj : {"k_proj", "v_proj", "q_proj", "out_proj"}) b.linear(l + ".self_attn." + proj, d, d);
    b.norm(l + ".layer_norm1", d);
    b.linear(l + ".mlp.fc1", d, v.intermediate_size);
    b.linear(l + ".mlp.fc2", v.intermediate_size, d);
    b.norm(l + ".layer_norm2", d);
  }
  b.norm(p + "post_layernorm", d);
  b.group = "clip_adapters";
  for (int64_t k = 0; k < v.num_adapters(); ++k) b.adapter(p + "encoder.adapters." + std::to_string(k), d);
  b.group = "projector";
  b.linear("model.mm_projector.0", d, c.llama.hidden_size);
  b.linear("model.mm_projector.2", c.llama.hidden_size, c.llama.hidden_size);
}

void sam(Builder& b, const Config& c) {
  const auto& s = c.sam;
  const int64_t d = s.embed_dim, head = d / s.num_heads, pd = s.prompt_dim;
  const std::string e = std::string(kSamPrefix) + "image_encoder.";
  b.group = "sam";
  b.add(e + "pos_embed", {1, s.grid(), s.grid(), d});
  b.add(e + "patch_embed.proj.weight", {d, 3, s.patch_size, s.patch_size});
  b.add(e + "patch_embed.proj.bias", {d});
  for (int64_t i = 0; i < s.depth; ++i) {
    std::string k = e + "blocks." + std::to_string(i);
    const int64_t rel = 2 * (s.is_global(i) ? s.grid() : s.window_size) - 1;
    b.norm(k + ".norm1", d);
    b.linear(k + ".attn.qkv", d, 3 * d);
    b.linear(k + ".attn.proj", d, d);
    b.add(k + ".attn.rel_pos_h", {rel, head});
    b.add(k + ".attn.rel_pos_w", {rel, head});
    b.norm(k + ".norm2", d);
    b.linear(k + ".mlp.lin1", d, d * s.mlp_ratio);
    b.linear(k + ".mlp.lin2", d * s.mlp_ratio, d);
  }
  b.add(e + "neck.0.weight", {pd, d, 1, 1});
  b.norm(e + "neck.1", pd);
  b.add(e + "neck.2.weight", {pd, pd, 3, 3});
  b.norm(e + "neck.3", pd);
  b.group = "sam_adapters";
  if (s.has_adapters())
    for (size_t k = 0; k < s.global_attn_indexes.size(); ++k) b.adapter(e + "adapters." + std::to_string(k), d);

  const std::string pe = std::string(kSamPrefix) + "prompt_encoder.";
  b.group = "prompt_encoder";
  b.add(pe + "pe_layer.positional_encoding_gaussian_matrix", {2, pd / 2});
  for (int k = 0; k < 4; ++k) b.add(pe + "point_embeddings." + std::to_string(k) + ".weight", {1, pd});
  b.add(pe + "not_a_point_embed.weight", {1, pd});
  const int64_t m = s.mask_in_chans;
  b.add(pe + "mask_downscaling.0.weight", {m / 4, 1, 2, 2});
  b.add(pe + "mask_downscaling.0.bias", {m / 4});
  b.norm(pe + "mask_downscaling.1", m / 4);
  b.add(pe + "mask_downscaling.3.weight", {m, m / 4, 2, 2});
  b.add(pe + "mask_downscaling.3.bias", {m});
  b.norm(pe + "mask_downscaling.4", m);
  b.add(pe + "mask_downscaling.6.weight", {pd, m, 1, 1});
  b.add(pe + "mask_downscaling.6.bias", {pd});
  b.add(pe + "no_mask_embed.weight", {1, pd});

  const std::string md = std::string(kSamPrefix) + "mask_decoder.";
  const int64_t inner = pd / s.attention_downsample_rate;
  b.group = "mask_decoder";
  for (int64_t i = 0; i < s.decoder_depth; ++i) {
    std::string l = md + "transformer.layers." + std::to_string(i);
    b.sam_attention(l + ".self_attn", pd, pd);
    b.norm(l + ".norm1", pd);
    b.sam_attention(l + ".cross_attn_token_to_image", pd, inner);
    b.norm(l + ".norm2", pd);
    b.linear(l + ".mlp.lin1", pd, s.decoder_mlp_dim);
    b.linear(l + ".mlp.lin2", s.decoder_mlp_dim, pd);
    b.norm(l + ".norm3", pd);
    b.norm(l + ".norm4", pd);
    b.sam_attention(l + ".cross_attn_image_to_token", pd, inner);
  }
  b.sam_attention(md + "transformer.final_attn_token_to_image", pd, inner);
  b.norm(md + "transformer.norm_final_attn", pd);
  b.add(md + "iou_token.weight", {1, pd});
  b.add(md + "mask_tokens.weight", {s.num_mask_tokens, pd});
  b.add(md + "output_upscaling.0.weight", {pd, pd / 4, 2, 2});  // ConvTranspose2d: (in, out, kh, kw)
  b.add(md + "output_upscaling.0.bias", {pd / 4});
  b.norm(md + "output_upscaling.1", pd / 4);
  b.add(md + "output_upscaling.3.weight", {pd / 4, pd / 8, 2, 2});
  b.add(md + "output_upscaling.3.bias", {pd / 8});
  for (int64_t k = 0; k < s.num_mask_tokens; ++k) {
    std::string h = md + "output_hypernetworks_mlps." + std::to_string(k) + ".layers.";
    b.linear(h + "0", pd, pd);
    b.linear(h + "1", pd, pd);
    b.linear(h + "2", pd, pd / 8);
  }
  for (int64_t k = 0; k < s.iou_head_depth; ++k)
    b.linear(md + "iou_prediction_head.layers." + std::to_string(k), pd,
             k + 1 == s.iou_head_depth ? s.num_mask_tokens : pd);
  if (c.glamm()) return;  // mask mode: no box heads
  b.group = "box_heads";
  b.linear(md + "bbox_prediction_head.0", pd, pd);
  b.linear(md + "bbox_prediction_head.2", pd, 4);
  if (c.temporal_objectness) b.linear(md + "temporal_objectness_head", pd, 1);
}

}  // namespace

std::vector<TensorSpec> tensor_layout(const Config& c) {
  Builder b;
  llama(b, c);
  clip(b, c);
  sam(b, c);
  b.group = "text_proj";
  b.linear("model.text_hidden_fcs.0.0", c.llama.hidden_size, c.llama.hidden_size);
  b.linear("model.text_hidden_fcs.0.2", c.llama.hidden_size, c.sam.prompt_dim);
  return b.out;
}

std::string tensor_group(const std::string& name) {
  auto starts = [&](const std::string& p) { return name.compare(0, p.size(), p) == 0; };
  if (starts(kRegionPrefix)) return "region_encoder";
  if (starts("model.layers.") || name == "model.norm.weight") return "llm";
  if (name == "model.embed_tokens.weight") return "embed_tokens";
  if (name == "lm_head.weight") return "lm_head";
  if (starts(std::string(kClipPrefix) + "encoder.adapters.")) return "clip_adapters";
  if (starts(kClipPrefix)) return "clip";
  if (starts("model.mm_projector.")) return "projector";
  if (starts("model.text_hidden_fcs.")) return "text_proj";
  const std::string s = kSamPrefix;
  if (starts(s + "image_encoder.adapters.")) return "sam_adapters";
  if (starts(s + "image_encoder.")) return "sam";
  if (starts(s + "prompt_encoder.")) return "prompt_encoder";
  if (starts(s + "mask_decoder.bbox_prediction_head.") || starts(s + "mask_decoder.temporal_objectness_head."))
    return "box_heads";
  if (starts(s + "mask_decoder.")) return "mask_decoder";
  return "";
}

}  // namespace grove::arch
