// A model's config.json: every size of the GROVE network, so one code path serves the released 7B model and the
// small configurations tests and the demo use. Keys that a file leaves out take the released model's values;
// unknown keys are refused (a misspelt size must not silently fall back to 7B). See man/man5/grove-model.5.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/record.h"

namespace grove::arch {

// Hugging Face's rope_scaling of the rotary frequencies. GROVE's LLaMA has none; Llama 3.1+ chat models (the
// annotation pipeline's built-in LLM) use "llama3"; "linear" divides every frequency by factor.
struct RopeScaling {
  std::string type;  // "": none; "llama3"; "linear"
  double factor = 1.0, low_freq_factor = 1.0, high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct LlamaConfig {
  int64_t vocab_size = 32010, hidden_size = 4096, intermediate_size = 11008, num_hidden_layers = 32,
          num_attention_heads = 32, num_key_value_heads = 32, max_position_embeddings = 4096;
  double rms_norm_eps = 1e-5, rope_theta = 10000.0;
  RopeScaling rope_scaling;
  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

struct ClipConfig {
  int64_t hidden_size = 1024, intermediate_size = 4096, num_hidden_layers = 24, num_attention_heads = 16,
          image_size = 336, patch_size = 14;
  double layer_norm_eps = 1e-5;
  int64_t select_layer = -2;
  int64_t adapter_every = 3;                   // num_hidden_layers / k adapters, after layers 0, k, 2k, ... (0: none)
  std::vector<int64_t> adapter_grid{16, 36};   // the original's reinterpretation of the 24x24 patch grid
  std::vector<int64_t> pool{8, 8, 9};          // AdaptiveAvgPool3d output (t, h, w)
  int64_t grid() const { return image_size / patch_size; }
  int64_t num_adapters() const;
};

struct SamConfig {
  int64_t embed_dim = 1280, depth = 32, num_heads = 16, image_size = 512, patch_size = 16, window_size = 14,
          mlp_ratio = 4, prompt_dim = 256, decoder_depth = 2, decoder_mlp_dim = 2048, decoder_heads = 8,
          attention_downsample_rate = 2, num_mask_tokens = 4, mask_in_chans = 16, iou_head_depth = 3;
  std::vector<int64_t> global_attn_indexes{7, 15, 23, 31};
  double layer_norm_eps = 1e-6;
  // "conv": GROVE's Conv3d adapters after the global-attention blocks; "none": plain SAM, as GLaMM's (the
  // original's adapter_type, whose other values give nn.Identity).
  std::string adapter_type = "conv";
  bool has_adapters() const { return adapter_type == "conv"; }
  int64_t grid() const { return image_size / patch_size; }
  bool is_global(int64_t block) const;
};

// The token ids the network and the prompt use (reference/model.md section 2.1).
struct TokenIds {
  int64_t bos = 1, eos = 2, pad = 0, p_open = 32005, p_close = 32006, vid_start = 32007, vid_end = 32008,
          det = 32009, image_placeholder = -200;
};

struct Config {
  std::string name = "grove-7b";
  // "grove": GROVE's network (video prompt, [DET] queries decoded to boxes by the box head). "glamm": GLaMM's, the
  // image grounding model the annotation pipeline's stage 1 runs (reference/evaluation.md 2.7): the prompt names
  // <im_start><image><im_end> and "the picture", tokens.det is [SEG], and SAM's mask decoder runs in mask mode, each
  // mask's extent giving the box; needs num_frames 1, no CLIP or SAM adapters, no objectness head.
  std::string style = "grove";
  bool glamm() const { return style == "glamm"; }
  // The tokens tokens.vid_start, vid_end and det stand for: <vid_start>, <vid_end>, [DET]; GLaMM's <im_start>,
  // <im_end>, [SEG].
  struct TokenNames {
    const char *start, *end, *query;
  };
  TokenNames token_names() const {
    return glamm() ? TokenNames{"<im_start>", "<im_end>", "[SEG]"} : TokenNames{"<vid_start>", "<vid_end>", "[DET]"};
  }
  LlamaConfig llama;
  ClipConfig clip;
  SamConfig sam;
  TokenIds tokens;
  int64_t num_frames = 8;
  bool temporal_objectness = true;
  double objectness_threshold = 0.5;
  std::string torch_dtype = "bfloat16";  // the dtype the weights were trained in (informational)
};

// Parses a config (a JSON object); 'where' names it in errors. Throws grove::Error for an unknown key, a wrong
// type or an inconsistent size (e.g. hidden size not divisible by the heads).
Config parse_config(const io::Record& json, const std::string& where);
Config load_config(const std::string& path);
// Every field, defaults included, so a model directory states its whole architecture.
io::Record to_json(const Config& c);

}  // namespace grove::arch
