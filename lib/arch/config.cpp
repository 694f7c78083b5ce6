#include "arch/config.h"

#include <fstream>
#include <functional>
#include <map>
#include <variant>

#include "core/error.h"

namespace grove::arch {

// As the original builds them: num_hidden_layers // 3 adapters, used after the layers whose index is a multiple of
// 3 (the original would fail on a layer past the last adapter; grove runs that layer without one).
int64_t ClipConfig::num_adapters() const { return adapter_every > 0 ? num_hidden_layers / adapter_every : 0; }

bool SamConfig::is_global(int64_t block) const {
  for (int64_t g : global_attn_indexes)
    if (g == block) return true;
  return false;
}

namespace {

using Field = std::variant<int64_t*, double*, bool*, std::string*, std::vector<int64_t>*>;
using Fields = std::vector<std::pair<const char*, Field>>;

// One section's fields, by key: reading and writing share the table, so the two cannot drift apart.
Fields llama_fields(LlamaConfig& c) {
  return {{"vocab_size", &c.vocab_size},
          {"hidden_size", &c.hidden_size},
          {"intermediate_size", &c.intermediate_size},
          {"num_hidden_layers", &c.num_hidden_layers},
          {"num_attention_heads", &c.num_attention_heads},
          {"num_key_value_heads", &c.num_key_value_heads},
          {"max_position_embeddings", &c.max_position_embeddings},
          {"rms_norm_eps", &c.rms_norm_eps},
          {"rope_theta", &c.rope_theta}};
}
Fields clip_fields(ClipConfig& c) {
  return {{"hidden_size", &c.hidden_size},
          {"intermediate_size", &c.intermediate_size},
          {"num_hidden_layers", &c.num_hidden_layers},
          {"num_attention_heads", &c.num_attention_heads},
          {"image_size", &c.image_size},
          {"patch_size", &c.patch_size},
          {"layer_norm_eps", &c.layer_norm_eps},
          {"select_layer", &c.select_layer},
          {"adapter_every", &c.adapter_every},
          {"adapter_grid", &c.adapter_grid},
          {"pool", &c.pool}};
}
Fields sam_fields(SamConfig& c) {
  return {{"embed_dim", &c.embed_dim},
          {"depth", &c.depth},
          {"num_heads", &c.num_heads},
          {"global_attn_indexes", &c.global_attn_indexes},
          {"image_size", &c.image_size},
          {"patch_size", &c.patch_size},
          {"window_size", &c.window_size},
          {"mlp_ratio", &c.mlp_ratio},
          {"layer_norm_eps", &c.layer_norm_eps},
          {"prompt_dim", &c.prompt_dim},
          {"decoder_depth", &c.decoder_depth},
          {"decoder_mlp_dim", &c.decoder_mlp_dim},
          {"decoder_heads", &c.decoder_heads},
          {"attention_downsample_rate", &c.attention_downsample_rate},
          {"num_mask_tokens", &c.num_mask_tokens},
          {"mask_in_chans", &c.mask_in_chans},
          {"iou_head_depth", &c.iou_head_depth},
          {"adapter_type", &c.adapter_type}};
}
Fields token_fields(TokenIds& t) {
  return {{"bos", &t.bos},         {"eos", &t.eos},           {"pad", &t.pad},
          {"p_open", &t.p_open},   {"p_close", &t.p_close},   {"vid_start", &t.vid_start},
          {"vid_end", &t.vid_end}, {"det", &t.det},           {"image_placeholder", &t.image_placeholder}};
}
Fields top_fields(Config& c) {
  return {{"name", &c.name},
          {"style", &c.style},
          {"num_frames", &c.num_frames},
          {"temporal_objectness", &c.temporal_objectness},
          {"objectness_threshold", &c.objectness_threshold},
          {"torch_dtype", &c.torch_dtype}};
}

void read_field(const io::Record& v, Field f, const std::string& where) {
  auto bad = [&](const char* what) { throw Error(where, std::string("expected ") + what + ", got " + v.dump()); };
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          if (!v.is_number_integer()) bad("an integer");
          *p = v.get<int64_t>();
        } else if constexpr (std::is_same_v<T, double>) {
          if (!v.is_number()) bad("a number");
          *p = v.get<double>();
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!v.is_boolean()) bad("true or false");
          *p = v.get<bool>();
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!v.is_string()) bad("a string");
          *p = v.get<std::string>();
        } else {
          if (!v.is_array()) bad("a list of integers");
          p->clear();
          for (const auto& e : v) {
            if (!e.is_number_integer()) bad("a list of integers");
            p->push_back(e.get<int64_t>());
          }
        }
      },
      f);
}

void read_section(const io::Record& obj, const Fields& fields, const std::string& where) {
  if (!obj.is_object()) throw Error(where, "expected a JSON object");
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (const auto& [name, field] : fields)
      if (key == name) {
        read_field(value, field, where + "." + key);
        known = true;
      }
    if (!known) throw Error(where, "unknown key '" + key + "'");
  }
}

io::Record write_section(const Fields& fields) {
  io::Record out = io::Record::object();
  for (const auto& [name, field] : fields) std::visit([&, n = name](auto* p) { out[n] = *p; }, field);
  return out;
}

void require(bool ok, const std::string& where, const std::string& what) {
  if (!ok) throw Error(where, what);
}

void check(const Config& c, const std::string& w) {
  const auto& l = c.llama;
  require(l.vocab_size > 0 && l.hidden_size > 0 && l.intermediate_size > 0 && l.num_hidden_layers > 0, w,
          "llama sizes must be positive");
  require(l.num_attention_heads > 0 && l.hidden_size % l.num_attention_heads == 0, w,
          "llama.hidden_size must be a multiple of llama.num_attention_heads");
  require(l.head_dim() % 2 == 0, w, "llama head size must be even (rotary embeddings)");
  require(l.num_key_value_heads > 0 && l.num_attention_heads % l.num_key_value_heads == 0, w,
          "llama.num_attention_heads must be a multiple of llama.num_key_value_heads");
  const auto& v = c.clip;
  require(v.hidden_size > 0 && v.num_attention_heads > 0 && v.hidden_size % v.num_attention_heads == 0, w,
          "clip.hidden_size must be a positive multiple of clip.num_attention_heads");
  require(v.patch_size > 0 && v.image_size % v.patch_size == 0, w, "clip.image_size must be a multiple of clip.patch_size");
  require(v.num_hidden_layers > 0 && v.select_layer < 0 && -v.select_layer <= v.num_hidden_layers, w,
          "clip.select_layer must be negative and within the layers");
  require(v.adapter_grid.size() == 2 && v.adapter_grid[0] * v.adapter_grid[1] == v.grid() * v.grid(), w,
          "clip.adapter_grid must hold two sizes whose product is the number of patches");
  require(v.pool.size() == 3 && v.pool[0] == c.num_frames && v.pool[1] > 0 && v.pool[2] > 0, w,
          "clip.pool must be [num_frames, h, w]");
  const auto& s = c.sam;
  require(s.embed_dim > 0 && s.num_heads > 0 && s.embed_dim % s.num_heads == 0, w,
          "sam.embed_dim must be a positive multiple of sam.num_heads");
  require(s.patch_size > 0 && s.image_size % s.patch_size == 0, w, "sam.image_size must be a multiple of sam.patch_size");
  require(s.depth > 0 && s.window_size > 0, w, "sam.depth and sam.window_size must be positive");
  require(s.adapter_type == "conv" || s.adapter_type == "none", w, "sam.adapter_type must be \"conv\" or \"none\"");
  for (int64_t g : s.global_attn_indexes) require(g >= 0 && g < s.depth, w, "sam.global_attn_indexes out of range");
  require(s.prompt_dim > 0 && s.decoder_heads > 0 && s.prompt_dim % s.decoder_heads == 0 &&
              s.attention_downsample_rate > 0 && (s.prompt_dim / s.attention_downsample_rate) % s.decoder_heads == 0,
          w, "sam.prompt_dim must divide into sam.decoder_heads (also after the attention downsampling)");
  require(s.prompt_dim % 8 == 0 && s.mask_in_chans % 4 == 0, w, "sam.prompt_dim must be a multiple of 8");
  require(c.num_frames > 0, w, "num_frames must be positive");
  require(c.style == "grove" || c.style == "glamm", w, "style must be \"grove\" or \"glamm\"");
  if (c.glamm())
    require(c.num_frames == 1 && v.adapter_every == 0 && s.adapter_type == "none" && !c.temporal_objectness, w,
            "style \"glamm\" needs num_frames 1, clip.adapter_every 0, sam.adapter_type \"none\" and "
            "temporal_objectness false");
  const auto& t = c.tokens;
  for (int64_t id : {t.bos, t.eos, t.pad, t.p_open, t.p_close, t.vid_start, t.vid_end, t.det})
    require(id >= 0 && id < l.vocab_size, w, "token id " + std::to_string(id) + " outside the vocabulary");
  require(t.image_placeholder < 0, w, "tokens.image_placeholder must be negative");
}

}  // namespace

Config parse_config(const io::Record& json, const std::string& where) {
  Config c;
  if (!json.is_object()) throw Error(where, "a model config must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key == "format") {
      if (value != "grove-model") throw Error(where, "format is " + value.dump() + ", expected \"grove-model\"");
    } else if (key == "format_version") {
      if (!value.is_number_integer() || value.get<int64_t>() != 1)
        throw Error(where, "format_version " + value.dump() + " is not one this grove reads (1)");
    } else if (key == "llama") {
      read_section(value, llama_fields(c.llama), where + ": llama");
    } else if (key == "clip") {
      read_section(value, clip_fields(c.clip), where + ": clip");
    } else if (key == "sam") {
      read_section(value, sam_fields(c.sam), where + ": sam");
    } else if (key == "tokens") {
      read_section(value, token_fields(c.tokens), where + ": tokens");
    } else {
      read_section(io::Record{{key, value}}, top_fields(c), where);
    }
  }
  check(c, where);
  return c;
}

Config load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path, "cannot open the model config");
  io::Record json = io::Record::parse(in, nullptr, false);
  if (json.is_discarded()) throw Error(path, "not valid JSON");
  return parse_config(json, path);
}

io::Record to_json(const Config& config) {
  Config c = config;  // the field tables take non-const pointers
  io::Record out = io::Record::object();
  out["format"] = "grove-model";
  out["format_version"] = 1;
  const io::Record top = write_section(top_fields(c));
  for (const auto& [k, v] : top.items()) out[k] = v;
  out["llama"] = write_section(llama_fields(c.llama));
  out["clip"] = write_section(clip_fields(c.clip));
  out["sam"] = write_section(sam_fields(c.sam));
  out["tokens"] = write_section(token_fields(c.tokens));
  return out;
}

}  // namespace grove::arch
