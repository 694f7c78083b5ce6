// grove-train's loop (reference/training.md section 1): the trainable set of the released scripts, the weighted
// losses of section 5 per example, AdamW with linear warmup then linear decay to 0, gradient clipping and
// accumulation, data parallel over ranks (gradients averaged through c10d), a fresh shuffle every epoch (the
// original never calls set_epoch), validation every epoch keeping the best and the last checkpoint, checkpoints
// within epochs for exact resumption, and a JSON Lines log of every step.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arch/model_dir.h"
#include "io/record.h"
#include "model/boxes.h"
#include "model/grove.h"
#include "train/example.h"

namespace grove::train {

// The released scripts' trainable set (--pretrained --lora_r 0 --train_mask_decoder): embed_tokens, lm_head,
// mm_projector, text_hidden_fcs, the SAM encoder's adapters, pos_embed and global-block relative positions, the
// whole mask decoder, and any LoRA matrices. Then each name starting with an 'unfreeze' prefix is made trainable and each starting with a
// 'freeze' prefix frozen. Sets requires_grad on every parameter; returns the trainable ones by name.
std::vector<std::pair<std::string, at::Tensor>> select_trainable(model::Grove& g,
                                                                 const std::vector<std::string>& unfreeze = {},
                                                                 const std::vector<std::string>& freeze = {});

// That set is for fine-tuning pretrained weights. When BASE's weights come from grove-convert random, a warning
// (cli::warning, so not under --quiet) lists the module groups that stay frozen, hence random, and the --unfreeze
// that trains them: a model trained from scratch with a frozen random SAM encoder cannot learn to localise.
void warn_frozen_random(const arch::ModelDir& base, model::Grove& g);

// The weighted losses of one example (CLIP under no_grad as the original's tower; gradients flow through the frozen
// SAM encoder and LLaMA layers to what trains). objectness: the HowToGround head's BCE term.
model::GroundingLosses example_losses(model::Grove& g, const Example& ex, const model::LossWeights& w, bool objectness);

// lr at optimizer step k (0-based): lr * k / warmup during warmup, then lr * max(0, (total - k) / (total - warmup)).
double scheduled_lr(double lr, int64_t step, int64_t warmup, int64_t total);

struct LoraOptions {
  int64_t r = 0;  // 0: no LoRA
  double alpha = 16, dropout = 0.05;
  std::vector<std::string> targets{"q_proj", "v_proj"};
};

// Adds LoRA to the LLaMA layers' linear modules named by the targets (as the original: the decoder's projections,
// never the encoders, projector or text projection). Returns the names of the layers changed ("...q_proj").
std::vector<std::string> add_lora(model::Grove& g, const LoraOptions& lora);

struct TrainOptions {
  std::string model_dir, output_dir;
  std::vector<io::Record> train, val;  // sample records
  std::string video_dir;                // decode samples' clips from here, or:
  std::map<std::string, io::Record>* frames = nullptr;  // pre-decoded frames records by id (the 5 fps grid)
  Dataset dataset = Dataset::HowToGround;
  int64_t epochs = 20, accumulation = 1, warmup = 100, save_every = 0, max_steps = 0;
  double lr = 5e-5, weight_decay = 0.0, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, clip = 1.0;
  model::LossWeights weights{1.0, 2.0, 2.0};
  uint64_t seed = 42;
  int workers = 2;        // decoding threads
  bool resume = false;
  std::string device = "cpu", precision = "f32";
  std::vector<std::string> unfreeze, freeze;
  LoraOptions lora;
  bool checkpoint_layers = false;  // activation checkpointing of the LLaMA layers
  std::function<void(const io::Record&)> on_log;  // every log record (steps and validations), rank 0
};

// Runs training; returns the number of optimizer steps taken in this run. Throws grove::Error.
int64_t run_training(const TrainOptions& options);

}  // namespace grove::train
