// Making a model's tensors from the weights users hold: a released GROVE checkpoint, and the downloads a
// pre-training run starts from (GLaMM-GranD-Pretrained, openai/clip-vit-large-patch14-336, SAM ViT-H). Names are
// mapped onto the original checkpoint's names, the unused region encoder is dropped, and the three changes
// train.py makes before it trains are made here once (reference/training.md section 1.2):
//   - SAM's absolute position embedding resized to the 512 px grid (bicubic, align_corners=False) and the global
//     blocks' relative positions to 2*grid-1 rows (bicubic, align_corners=True), exactly as F.interpolate does;
//   - the vocabulary grown to the config's size (new rows of embed_tokens and lm_head = the mean of the old rows:
//     transformers' mean resizing, without its 1e-9-scaled noise);
//   - with fresh_new_layers (grove-convert init): the SAM and CLIP adapters (alpha 0) and the box and objectness
//     heads made anew with PyTorch's default initialisation, seeded.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/config.h"
#include "io/weights.h"

namespace grove::arch {

enum class SourceKind {
  Grove,  // names as in GROVE's state dict (a released .bin, a grove-train export, a GLaMM download)
  Clip,   // a Hugging Face CLIP download: vision_model.* (the text tower is ignored)
  Sam,    // SAM's own checkpoint: image_encoder.*, prompt_encoder.*, mask_decoder.*
};

struct Source {
  SourceKind kind = SourceKind::Grove;
  std::string path;  // any weights file io::WeightFile opens
};

struct ImportOptions {
  bool fresh_new_layers = false;
  uint64_t seed = 42;
  std::optional<io::DType> dtype;  // convert every tensor; unset: each keeps its stored dtype (fresh ones: F32)
};

struct ImportReport {
  std::map<std::string, size_t> taken;  // source path -> tensors taken from it
  size_t dropped_region_encoder = 0;
  size_t ignored = 0;                   // tensors of parts GROVE has no use for (CLIP's text tower, ...)
  std::vector<std::string> unexpected;  // names that match nothing in the layout
  std::vector<std::string> missing;     // layout tensors no source holds
  std::vector<std::string> mismatched;  // shapes that no rule turns into the expected one
  std::vector<std::string> changed;     // resized, grown, converted: one line each
  std::vector<std::string> fresh;
};

struct ImportedTensor {
  io::TensorView view;         // points into a mapped source file or into 'owned'
  std::vector<uint8_t> owned;  // (a std::vector's buffer does not move when the struct is moved)
};

struct Imported {
  std::vector<std::shared_ptr<io::WeightFile>> files;  // keep the mappings the views point into
  std::vector<ImportedTensor> tensors;                  // in layout order
  ImportReport report;
  std::vector<io::TensorView> views() const;
};

// Assembles every tensor of c's layout from the sources: each name from the first source (in the given order)
// that holds it. Missing or mismatched tensors are reported, not thrown; the caller decides.
Imported import_weights(const Config& c, const std::vector<Source>& sources, const ImportOptions& options);

// F.interpolate(mode="bicubic") as PyTorch computes it in float (A = -0.75, edge samples clamped), for an image
// stored channels-last: x is H x W x C, the result oh x ow x C.
std::vector<float> bicubic_resize_hwc(const std::vector<float>& x, int64_t h, int64_t w, int64_t c, int64_t oh,
                                      int64_t ow, bool align_corners);

}  // namespace grove::arch

namespace grove::arch {

// The tokenizer files a model directory gets from a tokenizer folder (a GLaMM download): tokenizer.model and/or
// tokenizer.json (and their side files) copied, and added_tokens.json extended with GROVE's <vid_start>, <vid_end>
// and [DET] at the next free ids, as train.py adds them. Throws grove::Error when the folder holds no tokenizer,
// or when the ids it gives differ from the config's (tokens.*) or exceed its vocabulary.
struct TokenizerFiles {
  std::map<std::string, std::string> copies;  // name in the model directory -> source path
  std::map<std::string, std::string> texts;   // name -> content (added_tokens.json)
};
TokenizerFiles prepare_tokenizer(const std::string& dir, const Config& c);

// Random weights of c's layout. The views carry no data: pass random_fill() to write_model_dir, which makes each
// tensor as it writes it, so a 7B model needs no 16 GB of memory.
//   Uniform: every tensor uniform in +-1/sqrt(fan_in), fan_in the product of its dimensions after the first
//            (1-D tensors, biases and norms included, get +-1; alpha 0): for speed measurements and tests.
//   Scratch: what the original's modules hold when built afresh — the LLaVA side (LLaMA, projector,
//            text_hidden_fcs) as Hugging Face's post_init leaves it, CLIP as Hugging Face's CLIP init, SAM and the
//            adapters as torch.nn and segment_anything start them (pos_embed N(0,1)); norms 1 and 0: the start of
//            training from scratch.
enum class RandomInit { Uniform, Scratch };
std::vector<io::TensorView> random_layout(const Config& c, io::DType dtype);
io::TensorFill random_fill(uint64_t seed, RandomInit init, const Config& c);

// A config by name (share/grove/configs/NAME.json) or path.
Config find_config(const std::string& name_or_path);

}  // namespace grove::arch
