// See trainer.h.
#include "train/trainer.h"

#include <ATen/autocast_mode.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <set>

#include "arch/model_dir.h"
#include "cli/tool.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/strings.h"
#include "io/file.h"
#include "model/load.h"
#include "nn/layers.h"
#include "nn/tensors.h"
#include "text/tokenizer.h"
#include "train/distributed.h"
#include "video/decoder.h"
#include "video/sampling.h"

namespace grove::train {

namespace fs = std::filesystem;

namespace {

double rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> select_trainable(model::Grove& g,
                                                                 const std::vector<std::string>& unfreeze,
                                                                 const std::vector<std::string>& freeze) {
  const auto& c = g->config;
  std::vector<std::string> on = {"model.embed_tokens.", "lm_head.", "model.mm_projector.", "model.text_hidden_fcs.",
                                 "model.grounding_encoder.image_encoder.adapters.",
                                 "model.grounding_encoder.image_encoder.pos_embed",
                                 "model.grounding_encoder.mask_decoder."};
  for (int64_t b : c.sam.global_attn_indexes)
    on.push_back("model.grounding_encoder.image_encoder.blocks." + std::to_string(b) + ".attn.rel_pos_");
  on.insert(on.end(), unfreeze.begin(), unfreeze.end());
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (auto& p : g->named_parameters()) {
    bool train = p.key().find(".lora_") != std::string::npos;
    for (const auto& prefix : on) train = train || starts_with(p.key(), prefix);
    for (const auto& prefix : freeze) train = train && !starts_with(p.key(), prefix);
    p.value().set_requires_grad(train);
    if (train) out.emplace_back(p.key(), p.value());
  }
  return out;
}

void warn_frozen_random(const arch::ModelDir& base, model::Grove& g) {
  const auto& meta = base.weights().files().at(0).metadata();
  auto source = meta.find("grove_source");
  // (Not a grown model, random --from: which of its tensors are random is not recorded.)
  if (source == meta.end() || !starts_with(source->second, "grove-convert random (")) return;
  std::set<std::string> groups;  // model.layers, model.vision_tower, model.grounding_encoder.image_encoder, ...
  for (const auto& p : g->named_parameters()) {
    if (p.value().requires_grad()) continue;
    const std::string& n = p.key();
    size_t cut = n.find('.');
    if (cut != std::string::npos) cut = n.find('.', cut + 1);
    if (cut != std::string::npos && starts_with(n, "model.grounding_encoder.")) cut = n.find('.', cut + 1);
    groups.insert(n.substr(0, cut));
  }
  if (groups.empty()) return;
  std::string list;
  for (const auto& s : groups) list += (list.empty() ? "" : " ") + s;
  cli::warning(base.path(), "its weights are random (grove-convert random) and these stay frozen, so they stay random: " +
                                list + "; to train from scratch, add --unfreeze " + list);
}

std::vector<std::string> add_lora(model::Grove& g, const LoraOptions& lora) {
  std::vector<std::string> changed;
  if (lora.r <= 0) return changed;
  for (auto& m : g->named_modules()) {
    auto* linear = dynamic_cast<nn::LinearImpl*>(m.value().get());
    if (!linear || !starts_with(m.key(), "model.layers.")) continue;
    for (const auto& t : lora.targets) {
      const std::string suffix = "." + t;
      if (m.key().size() >= suffix.size() && m.key().compare(m.key().size() - suffix.size(), suffix.size(), suffix) == 0) {
        linear->add_lora(lora.r, lora.alpha, lora.dropout);
        changed.push_back(m.key());
        break;
      }
    }
  }
  return changed;
}

model::GroundingLosses example_losses(model::Grove& g, const Example& ex, const model::LossWeights& w, bool objectness) {
  const c10::Device device = g->lm_head->weight.device();
  at::Tensor video;
  {
    // The original's CLIP tower runs under no_grad (its adapters, though marked trainable, never learn); pooling
    // and the projector train. A tower unfrozen on purpose (--unfreeze, e.g. training from scratch) gets gradients.
    bool clip_trains = false;
    for (const auto& p : g->model->clip->parameters()) clip_trains = clip_trains || p.requires_grad();
    at::Tensor patches;
    {
      c10::AutoGradMode grad(clip_trains);
      patches = g->model->clip->forward(ex.clip.to(device));
    }
    at::Tensor pooled = model::pool_video_tokens(patches, g->config.clip, g->config.num_frames);
    video = g->model->mm_projector->forward(pooled.to(g->lm_head->weight.dtype()));
  }
  at::Tensor ids = ex.ids;
  at::Tensor hidden = g->decode(g->assemble(ids, video));
  at::Tensor logits = g->logits(hidden);
  const int64_t at = (ids == g->config.tokens.image_placeholder).nonzero()[0][0].item<int64_t>();
  at::Tensor labels = g->assemble_labels(ex.labels, at, video.size(1)).to(device);
  at::Tensor ce = model::causal_lm_loss(logits, labels);
  const auto det_at = g->det_positions(ids, video.size(1));
  std::vector<at::Tensor> gt_boxes, gt_obj;
  for (size_t f = 0; f < ex.boxes.size(); ++f) {
    gt_boxes.push_back(ex.boxes[f].to(device));
    gt_obj.push_back(ex.objectness[f].to(device));
  }
  model::WindowBoxes wb;
  if (!det_at.empty()) {
    wb = g->boxes(g->image_embeddings(ex.sam.to(device)), g->det_features(hidden[0], det_at));
  } else {
    for (int64_t f = 0; f < g->config.num_frames; ++f) {
      wb.boxes.push_back(torch::zeros({0, 4}, hidden.options()));
      wb.logits.push_back(torch::zeros({0}, hidden.options()));
    }
  }
  if (!objectness) wb.logits.clear();
  // A text cut at 961 tokens can lose [DET]s: keep the targets of the queries that remain.
  const int64_t n = static_cast<int64_t>(det_at.size());
  for (size_t f = 0; f < gt_obj.size(); ++f) {
    if (gt_obj[f].size(0) == n) continue;
    at::Tensor keep = gt_obj[f].narrow(0, 0, std::min<int64_t>(n, gt_obj[f].size(0)));
    const int64_t boxes_kept = keep.sum().item<int64_t>();
    gt_boxes[f] = gt_boxes[f].narrow(0, 0, boxes_kept);
    gt_obj[f] = keep;
  }
  return model::grounding_losses(ce, wb.boxes, wb.logits, gt_boxes, gt_obj, w);
}

double scheduled_lr(double lr, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return lr * static_cast<double>(step) / static_cast<double>(warmup);
  if (total <= warmup) return lr;
  return lr * std::max(0.0, static_cast<double>(total - step) / static_cast<double>(total - warmup));
}

namespace {

struct Losses {
  double loss = 0, ce = 0, giou = 0, l1 = 0, objectness = 0, count = 0;
  void add(const model::GroundingLosses& l) {
    loss += l.loss.item<double>();
    ce += l.ce.item<double>();
    giou += l.giou.item<double>();
    l1 += l.l1.item<double>();
    if (l.objectness.defined()) objectness += l.objectness.item<double>();
    count += 1;
  }
  std::vector<double> values() const { return {loss, ce, giou, l1, objectness, count}; }
  static io::Record mean(const std::vector<double>& v) {
    const double n = std::max(1.0, v[5]);
    return {{"loss", v[0] / n}, {"ce", v[1] / n}, {"giou", v[2] / n}, {"l1", v[3] / n}, {"objectness", v[4] / n}};
  }
};

// The example of sample s in epoch e, its frames decoded from the video or taken from a frames record.
Example load_example(const io::Record& sample, const TrainOptions& o, const text::Tokenizer& tok,
                     const arch::Config& c, bool random, int64_t epoch) {
  const std::vector<size_t> entries = choose_entries(sample, c.num_frames, random, o.seed, epoch);
  const std::vector<int64_t> grid = video::sample_frame_indices(sample);
  std::vector<int64_t> wanted;
  for (size_t e : entries) {
    if (e >= grid.size()) throw Error(io::record_id(sample), "annotation entry past the clip's 5 fps grid");
    wanted.push_back(grid[e]);
  }
  std::vector<video::RgbImage> frames;
  const std::string id = io::record_id(sample);
  if (o.frames) {
    auto it = o.frames->find(id);
    if (it == o.frames->end()) throw Error(id, "no frames record for this sample");
    const io::Record& fr = it->second;
    std::map<int64_t, size_t> at;
    for (size_t i = 0; i < fr["frame_indices"].size(); ++i) at.emplace(fr["frame_indices"][i].get<int64_t>(), i);
    const int w = fr["pixel_width"].get<int>(), h = fr["pixel_height"].get<int>();
    for (int64_t f : wanted) {
      auto p = at.find(f);
      if (p == at.end()) throw Error(id, "frame " + std::to_string(f) + " is not in its frames record");
      const auto& b = fr["pixels"][p->second].get_binary();
      frames.push_back({w, h, std::vector<uint8_t>(b.begin(), b.end())});
    }
  } else {
    const std::string path = (fs::path(o.video_dir) / sample.at("video_fname").get<std::string>()).string();
    video::VideoDecoder decoder(path);
    std::vector<int64_t> unique = wanted;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    auto decoded = decoder.read(unique);
    for (int64_t f : wanted) {
      auto it = std::find_if(decoded.begin(), decoded.end(), [&](const video::DecodedFrame& d) { return d.index == f; });
      frames.push_back({it->width, it->height, it->rgb});
    }
  }
  ExampleOptions eo;
  eo.dataset = o.dataset;
  eo.random = random;
  eo.seed = o.seed;
  eo.epoch = epoch;
  return make_example(sample, entries, frames, tok, c, eo);
}

// The epoch's order of the training samples for this rank: a permutation drawn from (seed, epoch), padded by
// wrapping to a multiple of the world size, every world-th from the rank (DistributedSampler's split).
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch, const WorldInfo& w) {
  std::vector<size_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = i;
  std::mt19937_64 rng(seed * 1000003ull + static_cast<uint64_t>(epoch));
  std::shuffle(p.begin(), p.end(), rng);
  const size_t total = (n + w.world - 1) / w.world * w.world;
  for (size_t i = 0; p.size() < total; ++i) p.push_back(p[i]);
  std::vector<size_t> mine;
  for (size_t i = static_cast<size_t>(w.rank); i < total; i += w.world) mine.push_back(p[i]);
  return mine;
}

// Trainer state next to a checkpoint's weights.
struct State {
  int64_t epoch = 0, step_in_epoch = 0, global_step = 0;
  double best = std::numeric_limits<double>::infinity();
};

std::vector<std::string> tokenizer_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const char* f : {"tokenizer.model", "tokenizer.json", "added_tokens.json", "special_tokens_map.json",
                        "tokenizer_config.json"})
    if (fs::exists(fs::path(dir) / f)) out.push_back(f);
  return out;
}

void save_checkpoint(const std::string& path, model::Grove& g, const std::string& tokenizer_dir,
                     torch::optim::AdamW& opt, const std::vector<std::pair<std::string, at::Tensor>>& trainable,
                     const State& s) {
  // The optimizer's moments, by parameter name, in a safetensors file copied into the directory.
  std::vector<std::pair<std::string, at::Tensor>> moments;
  int64_t adam_step = 0;
  for (const auto& [name, p] : trainable) {
    auto it = opt.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
    if (it == opt.state().end()) continue;
    auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
    moments.emplace_back(name + ".exp_avg", st.exp_avg());
    moments.emplace_back(name + ".exp_avg_sq", st.exp_avg_sq());
    adam_step = st.step();
  }
  // The CPU generator (LoRA dropout draws from it), so a resumed run draws what the uninterrupted one would.
  {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    moments.emplace_back("rng.cpu", gen.get_state());
  }
  const std::string moments_tmp = path + ".optimizer-" + std::to_string(::getpid()) + ".safetensors";
  nn::save_safetensors(moments_tmp, moments);
  // LoRA layers: the model directory holds their merged weights (usable by every tool, as the original's
  // merge_lora_weights.py makes them); lora.safetensors keeps the base weights and the A, B matrices for resuming.
  std::vector<std::pair<std::string, at::Tensor>> named, lora;
  std::map<std::string, at::Tensor> merged;
  for (auto& m : g->named_modules()) {
    auto* linear = dynamic_cast<nn::LinearImpl*>(m.value().get());
    if (!linear || !linear->has_lora()) continue;
    torch::NoGradGuard no_grad;
    merged[m.key() + ".weight"] = linear->merged_weight();
    lora.emplace_back(m.key() + ".weight", linear->weight);
    lora.emplace_back(m.key() + ".lora_A", linear->lora_A);
    lora.emplace_back(m.key() + ".lora_B", linear->lora_B);
  }
  const std::string lora_tmp = path + ".lora-" + std::to_string(::getpid()) + ".safetensors";
  if (!lora.empty()) nn::save_safetensors(lora_tmp, lora);
  for (const auto& p : g->named_parameters()) {
    if (p.key().find(".lora_") != std::string::npos) continue;
    auto it = merged.find(p.key());
    named.emplace_back(p.key(), it != merged.end() ? it->second : p.value());
  }
  for (const auto& b : g->named_buffers()) named.emplace_back(b.key(), b.value());
  const nn::HostViews host = nn::host_views(named);
  io::Record st = {{"epoch", s.epoch}, {"step_in_epoch", s.step_in_epoch}, {"global_step", s.global_step},
                   {"adam_step", adam_step}, {"best", std::isfinite(s.best) ? io::Record(s.best) : io::Record(nullptr)}};
  std::map<std::string, std::string> copies{{"optimizer.safetensors", moments_tmp}};
  if (!lora.empty()) copies["lora.safetensors"] = lora_tmp;
  for (const auto& f : tokenizer_files(tokenizer_dir)) copies[f] = (fs::path(tokenizer_dir) / f).string();
  arch::ModelWriteOptions w;
  w.replace = true;
  w.metadata["grove_source"] = "grove-train";
  try {
    arch::write_model_dir(path, g->config, host.views, {{"trainer.json", st.dump(2) + "\n"}}, copies, w);
  } catch (...) {
    fs::remove(moments_tmp);
    fs::remove(lora_tmp);
    throw;
  }
  fs::remove(moments_tmp);
  fs::remove(lora_tmp);
}

State load_checkpoint(const std::string& path, model::Grove& g, torch::optim::AdamW& opt,
                      const std::vector<std::pair<std::string, at::Tensor>>& trainable) {
  arch::ModelDir dir(path);
  // The weights, with the LoRA layers' base weights and matrices from lora.safetensors in place of merged ones.
  std::map<std::string, at::Tensor> weights;
  for (auto& [n, t] : nn::views(dir.weights())) weights[n] = t;
  const fs::path lora_file = fs::path(path) / "lora.safetensors";
  if (fs::exists(lora_file))
    for (auto& [n, t] : nn::views(io::SafetensorsSet(lora_file.string()))) weights[n] = t;
  nn::load_module(*g, std::vector<std::pair<std::string, at::Tensor>>(weights.begin(), weights.end()), "", path);
  io::Record st;
  try {
    std::ifstream in(fs::path(path) / "trainer.json");
    st = io::Record::parse(in);
  } catch (const std::exception& e) {
    throw Error(path + "/trainer.json", std::string("unreadable: ") + e.what());
  }
  auto tensors = nn::views(io::SafetensorsSet((fs::path(path) / "optimizer.safetensors").string()));
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  if (by_name.count("rng.cpu")) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(by_name["rng.cpu"].clone());
  }
  const int64_t adam_step = st.value("adam_step", int64_t{0});
  for (const auto& [name, p] : trainable) {
    auto a = by_name.find(name + ".exp_avg"), b = by_name.find(name + ".exp_avg_sq");
    if (a == by_name.end() || b == by_name.end()) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(adam_step);
    state->exp_avg(a->second.clone().to(p.device()));
    state->exp_avg_sq(b->second.clone().to(p.device()));
    opt.state()[c10::guts::to_string(p.unsafeGetTensorImpl())] = std::move(state);
  }
  State s;
  s.epoch = st.at("epoch").get<int64_t>();
  s.step_in_epoch = st.at("step_in_epoch").get<int64_t>();
  s.global_step = st.at("global_step").get<int64_t>();
  if (!st.at("best").is_null()) s.best = st.at("best").get<double>();
  return s;
}

// Keeps the log lines an earlier run wrote up to the checkpoint (a killed run may have logged further).
void trim_log(const std::string& path, int64_t global_step, int64_t epoch) {
  if (!fs::exists(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) {
    io::Record r;
    try {
      r = io::Record::parse(line);
    } catch (...) {
      continue;  // a line cut by the kill
    }
    const bool step = r.value("type", "") == "step" && r.value("step", int64_t{0}) <= global_step;
    const bool val = r.value("type", "") == "validation" && r.value("epoch", int64_t{0}) < epoch;
    if (step || val || r.value("type", "") == "start") kept += line + "\n";
  }
  io::OutputFile out(path, io::OutputFile::Compression::None);
  out.write(kept);
  out.commit();
}

}  // namespace

int64_t run_training(const TrainOptions& o) {
  const WorldInfo world = world_from_env();
  c10::Device device = model::parse_device(o.device, "--device");
  if (device.is_cuda() && !device.has_index()) device = c10::Device(c10::kCUDA, world.local_rank);
  Communicator comm(world, device);
  const bool lead = world.rank == 0;

  arch::ModelDir base(o.model_dir);
  const arch::Config& c = base.config();
  if (c.glamm()) throw Error(o.model_dir, "a glamm-style model (GLaMM's image grounding) cannot be trained by grove-train");
  const text::Tokenizer tok = text::Tokenizer::load(o.model_dir);
  // LibTorch seeds its generator at random in every process: seed it, so LoRA's initial matrices and dropout
  // masks are the same in every run (and on every rank, as the original's seed 42 is).
  torch::manual_seed(o.seed);
  model::Grove g = model::load_grove(base, {device, c10::kFloat, false});
  g->checkpoint_layers = o.checkpoint_layers;
  const auto lora_layers = add_lora(g, o.lora);
  if (o.lora.r > 0 && lora_layers.empty())
    throw Error("--lora-targets", "no decoder layer's linear module is named by these targets");
  g->train();
  auto trainable = select_trainable(g, o.unfreeze, o.freeze);
  if (lead) warn_frozen_random(base, g);
  std::vector<at::Tensor> params;
  for (auto& [n, p] : trainable) params.push_back(p);
  if (params.empty()) throw Error("--freeze", "nothing left to train");
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr)
                                      .betas({o.beta1, o.beta2})
                                      .eps(o.eps)
                                      .weight_decay(o.weight_decay));
  const bool objectness = c.temporal_objectness && o.dataset == Dataset::HowToGround;
  const bool autocast = o.precision == "bf16";

  const std::string last = (fs::path(o.output_dir) / "last").string(), best = (fs::path(o.output_dir) / "best").string();
  const std::string log_path = (fs::path(o.output_dir) / "log.jsonl").string();
  fs::create_directories(o.output_dir);
  State s;
  if (o.resume && fs::exists(fs::path(last) / "trainer.json")) {
    s = load_checkpoint(last, g, opt, trainable);
    if (lead) trim_log(log_path, s.global_step, s.epoch);
  } else if (o.resume && lead) {
    std::fprintf(stderr, "grove-train: no checkpoint in %s yet: starting afresh\n", last.c_str());
  }
  comm.broadcast(params);  // every rank starts from rank 0's values

  const size_t global_batch = static_cast<size_t>(o.accumulation) * world.world;
  const int64_t steps_per_epoch = static_cast<int64_t>(o.train.size() / global_batch);
  if (steps_per_epoch == 0)
    throw Error("--train", std::to_string(o.train.size()) + " samples are fewer than one global batch of " +
                               std::to_string(global_batch) + " (accumulation x ranks)");
  const int64_t total = o.epochs * steps_per_epoch;
  std::ofstream log;
  auto emit = [&](const io::Record& r) {
    if (!lead) return;
    if (!log.is_open()) log.open(log_path, std::ios::app);
    log << r.dump() << "\n";
    log.flush();
    if (o.on_log) o.on_log(r);
  };
  if (s.global_step == 0)
    emit({{"type", "start"}, {"samples", o.train.size()}, {"val_samples", o.val.size()}, {"world", world.world},
          {"steps_per_epoch", steps_per_epoch}, {"total_steps", total}, {"trainable", trainable.size()},
          {"backend", comm.backend()}, {"lora_layers", lora_layers.size()}, {"checkpoint_layers", o.checkpoint_layers}});

  int64_t steps_run = 0;
  auto checkpoint = [&] {
    if (lead) save_checkpoint(last, g, o.model_dir, opt, trainable, s);
    comm.barrier();
  };
  for (int64_t epoch = s.epoch; epoch < o.epochs; ++epoch) {
    const std::vector<size_t> order = epoch_order(o.train.size(), o.seed, epoch, world);
    const int64_t first_step = epoch == s.epoch ? s.step_in_epoch : 0;
    // Examples are made ahead on worker threads, in the order they will be used.
    std::deque<std::future<Example>> ahead;
    size_t next = static_cast<size_t>(first_step * o.accumulation);
    const size_t needed = static_cast<size_t>(steps_per_epoch * o.accumulation);
    auto fill = [&] {
      while (ahead.size() < static_cast<size_t>(std::max(1, o.workers)) && next < needed) {
        const io::Record* sample = &o.train[order[next++]];
        ahead.push_back(std::async(std::launch::async, [&, sample, epoch] {
          return load_example(*sample, o, tok, c, true, epoch);
        }));
      }
    };
    for (int64_t step = first_step; step < steps_per_epoch; ++step) {
      if (o.max_steps > 0 && steps_run >= o.max_steps) return steps_run;
      const auto t0 = std::chrono::steady_clock::now();
      const double lr = scheduled_lr(o.lr, s.global_step, o.warmup, total);
      for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      opt.zero_grad();
      Losses acc;
      for (int64_t a = 0; a < o.accumulation; ++a) {
        fill();
        Example ex = ahead.front().get();
        ahead.pop_front();
        fill();
        model::GroundingLosses l;
        {
          if (autocast) {
            at::autocast::set_enabled(device.is_cuda());
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(device.is_cpu());
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
          }
          l = example_losses(g, ex, o.weights, objectness);
          if (autocast) {
            at::autocast::set_enabled(false);
            at::autocast::set_cpu_enabled(false);
            at::autocast::clear_cache();
          }
        }
        (l.loss / static_cast<double>(o.accumulation)).backward();
        acc.add(l);
      }
      std::vector<at::Tensor> grads;
      for (auto& p : params) {
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
      }
      comm.average(grads);
      const double norm = torch::nn::utils::clip_grad_norm_(params, o.clip);
      opt.step();
      ++s.global_step;
      ++steps_run;
      s.step_in_epoch = step + 1;
      s.epoch = epoch;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // Whether any rank got SIGINT/SIGTERM travels with the step's sums, so every rank stops after the same step.
      std::vector<double> sums = acc.values();
      sums.push_back(interrupt_signal());
      sums = comm.sum(sums);
      const int stop_signal = sums.back() > 0 ? (interrupt_signal() ? interrupt_signal() : SIGTERM) : 0;
      sums.pop_back();
      io::Record r = Losses::mean(sums);
      r["type"] = "step";
      r["epoch"] = epoch;
      r["step"] = s.global_step;
      r["lr"] = lr;
      r["grad_norm"] = norm;
      r["samples_per_s"] = static_cast<double>(global_batch) / secs;
      r["rss_mb"] = rss_mb();
      emit(r);
      if (stop_signal) {  // a checkpoint of this step, so --resume goes on exactly from here
        checkpoint();
        throw Interrupted(stop_signal);
      }
      if (o.save_every > 0 && s.global_step % o.save_every == 0 && step + 1 < steps_per_epoch) checkpoint();
    }
    // Validation on the whole validation set (sharded over ranks), in train mode under no_grad as the original.
    s.epoch = epoch + 1;
    s.step_in_epoch = 0;
    if (!o.val.empty()) {
      torch::NoGradGuard no_grad;
      Losses v;
      for (size_t i = static_cast<size_t>(world.rank); i < o.val.size(); i += world.world)
        v.add(example_losses(g, load_example(o.val[i], o, tok, c, false, 0), o.weights, objectness));
      io::Record r = Losses::mean(comm.sum(v.values()));
      const double metric = objectness ? (r["giou"].get<double>() + r["l1"].get<double>() + r["objectness"].get<double>()) / 3
                                       : (r["giou"].get<double>() + r["l1"].get<double>()) / 2;
      r["type"] = "validation";
      r["epoch"] = epoch;
      r["step"] = s.global_step;
      r["metric"] = metric;
      const bool improved = metric < s.best;
      r["best"] = improved;
      if (improved) s.best = metric;
      emit(r);
      checkpoint();
      if (improved && lead) {
        std::error_code ec;
        fs::remove_all(best + ".old", ec);
        if (fs::exists(best)) fs::rename(best, best + ".old");
        fs::copy(last, best, fs::copy_options::recursive);
        fs::remove_all(best + ".old", ec);
      }
    } else {
      checkpoint();
    }
    comm.barrier();
  }
  return steps_run;
}

}  // namespace grove::train
