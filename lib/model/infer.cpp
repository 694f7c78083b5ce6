// See infer.h.
#include "model/infer.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/error.h"
#include "io/schema.h"
#include "model/generate.h"
#include "text/caption.h"
#include "video/resample.h"
#include "video/windows.h"

namespace grove::model {

namespace {

// Both encoders' inputs for every frame of the clip: (T, 3, S, S) each, on the model's device.
WindowPixels clip_pixels(const io::Record& frames, const arch::Config& c, c10::Device device) {
  const int w = frames.at("pixel_width").get<int>(), h = frames.at("pixel_height").get<int>();
  std::vector<video::RgbImage> images;
  for (const auto& p : frames.at("pixels")) {
    const auto& bytes = p.get_binary();
    images.push_back({w, h, std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  WindowPixels px = encoder_pixels(images, c);
  return {px.clip.to(device), px.sam.to(device)};
}

// One frame's result: boxes kept in pixels, their phrase labels, every phrase's objectness probability.
struct FrameResult {
  io::Record boxes = io::Record::array(), labels = io::Record::array(), objectness = io::Record::array();
};

void collect(const WindowBoxes& wb, const video::Window& w, const std::vector<std::string>& phrases,
             int64_t width, int64_t height, double threshold, bool objectness, std::vector<FrameResult>& out,
             std::vector<bool>& done) {
  WindowBoxes gated = wb;
  if (!objectness) gated.logits.clear();
  KeptBoxes kept = keep_boxes(gated, width, height, threshold);
  for (size_t k = 0; k < w.positions.size(); ++k) {
    if (!w.fresh[k]) continue;
    const int64_t p = w.positions[k];
    FrameResult r;
    at::Tensor px = kept.boxes[k].to(torch::kFloat).cpu().contiguous();
    for (int64_t b = 0; b < px.size(0); ++b) {
      const float* v = px[b].data_ptr<float>();
      r.boxes.push_back({static_cast<double>(v[0]), static_cast<double>(v[1]), static_cast<double>(v[2]),
                         static_cast<double>(v[3])});
      const int64_t j = kept.kept[k][b];
      // The original pairs the j-th [DET] with the j-th phrase; a [DET] past the last phrase has no label ("").
      r.labels.push_back(j < static_cast<int64_t>(phrases.size()) ? phrases[j] : "");
    }
    if (objectness && !wb.logits.empty()) {
      at::Tensor prob = torch::sigmoid(wb.logits[k]).to(torch::kFloat).cpu().contiguous();
      for (int64_t j = 0; j < prob.size(0); ++j) r.objectness.push_back(static_cast<double>(prob[j].item<float>()));
    }
    out[p] = std::move(r);
    done[p] = true;
  }
}

}  // namespace

Predictor::Predictor(Grove g, text::Tokenizer tokenizer, InferOptions options)
    : g_(std::move(g)), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {}

// One clip on its way through predict_batch.
struct Predictor::Clip {
  const io::Record* frames = nullptr;
  std::string id, answer, error_where, error;
  int64_t t = 0, width = 0, height = 0;
  MaskGeometry geometry;  // style glamm's masks
  WindowPixels pixels;
  video::WindowPlan plan;
  std::vector<FrameResult> results;
  std::vector<bool> done;
};

io::Record Predictor::predict(const io::Record& frames, const std::string& answer, InferStats* stats) {
  auto out = predict_batch({&frames}, {answer}, stats);
  if (!out[0].error.empty()) throw Error(out[0].where, out[0].error);
  return std::move(out[0].record);
}

std::vector<Predictor::Outcome> Predictor::predict_batch(const std::vector<const io::Record*>& frames,
                                                         const std::vector<std::string>& answers, InferStats* stats) {
  torch::NoGradGuard no_grad;
  const arch::Config& c = g_->config;
  const bool iground = options_.protocol == InferOptions::Protocol::IGround;
  const c10::Device device = g_->lm_head->weight.device();
  const bool glamm = c.glamm();
  // A tagged answer goes with the interleaved-boxes instruction (HowToGround's training prompt, infer_anet.py's),
  // a one-phrase answer with the single-box one (infer_vidstg.py, YouCook, GroundingYouTube).
  const std::string instruction = !options_.instruction.empty()         ? options_.instruction
                                  : glamm                               ? text::kInstructionGlammGcg
                                  : iground || !options_.sentence_answers ? text::kInstructionGrounded
                                                                        : text::kInstructionSingleBox;
  const std::string marker = glamm ? "<image>" : "<video>";
  auto prompt_ids = [&](const std::string& answer) {
    return tokenizer_.encode_prompt(text::llava_prompt(instruction, answer, glamm), c.tokens.image_placeholder, marker);
  };
  std::vector<Clip> clips(frames.size());
  auto fail = [](Clip& k, const Error& e) {
    if (k.error.empty()) k.error_where = e.where(), k.error = e.message();
  };
  // A LibTorch error on one clip's data fails that clip, in one line.
  auto fail_torch = [&](Clip& k, const std::exception& e) {
    const std::string what = e.what();
    fail(k, Error(k.id, what.substr(0, what.find('\n'))));
  };
  for (size_t i = 0; i < frames.size(); ++i) {
    Clip& k = clips[i];
    k.frames = frames[i];
    k.id = io::record_id(*frames[i]);
    try {
      io::require_valid(*frames[i], "frames record");
      k.t = static_cast<int64_t>(frames[i]->at("pixels").size());
      if (k.t == 0) throw Error(k.id, "the clip has no frames");
      k.answer = i < answers.size() ? answers[i] : "";
      if (!iground && k.answer.empty()) throw Error(k.id, "no caption to teacher-force (teacher-forced protocol)");
      k.width = frames[i]->at("width").get<int64_t>();
      k.height = frames[i]->at("height").get<int64_t>();
      k.pixels = clip_pixels(*frames[i], c, device);
      k.geometry = mask_geometry(c, frames[i]->at("pixel_width").get<int64_t>(),
                                 frames[i]->at("pixel_height").get<int64_t>(), k.width, k.height);
      k.plan = video::plan_windows(k.t, c.num_frames);
      k.results.resize(k.t);
      k.done.assign(k.t, false);
    } catch (const Error& e) {
      fail(k, e);
    } catch (const c10::Error& e) {
      fail_torch(k, e);
    }
  }
  auto window_pixels = [&](const Clip& k, size_t w) {
    at::Tensor i = torch::tensor(k.plan.windows[w].positions, torch::kLong).to(device);
    return WindowPixels{k.pixels.clip.index_select(0, i), k.pixels.sam.index_select(0, i)};
  };
  auto no_boxes = [&](const at::Tensor& like) {
    WindowBoxes wb;
    wb.boxes.assign(c.num_frames, torch::zeros({0, 4}, like.options()));
    wb.logits.assign(c.num_frames, torch::zeros({0}, like.options()));
    return wb;
  };

  // The captions: greedy decoding on every clip's centre window, the clips as one batch (one prompt length).
  if (iground) {
    std::vector<Clip*> live;
    for (auto& k : clips)
      if (k.error.empty()) live.push_back(&k);
    if (!live.empty()) {
      const std::vector<int64_t> prompt = prompt_ids("");
      at::Tensor prompt_tensor = torch::tensor(prompt, torch::kLong);
      std::vector<at::Tensor> embeds;
      int64_t video_tokens = 0;
      for (Clip* k : live) {
        at::Tensor video = g_->video_tokens(window_pixels(*k, k->plan.caption_window).clip);
        video_tokens = video.size(1);
        embeds.push_back(g_->assemble(prompt_tensor, video));
      }
      auto generated = generate_greedy_batch(g_, torch::cat(embeds, 0), options_.max_new_tokens, c.tokens.eos,
                                             options_.use_cache);
      for (size_t b = 0; b < live.size(); ++b) {
        Clip& k = *live[b];
        const Generated& gen = generated[b];
        std::vector<int64_t> sequence = prompt;
        sequence.insert(sequence.end(), gen.ids.begin(), gen.ids.end());
        std::vector<int32_t> text_ids;
        for (int64_t i : sequence)
          if (i != c.tokens.image_placeholder && i != c.tokens.pad) text_ids.push_back(static_cast<int32_t>(i));
        k.answer = text::answer_of_decoded(tokenizer_.decode(text_ids));
        const auto det_at = g_->det_positions(torch::tensor(sequence, torch::kLong), video_tokens);
        const size_t cw = k.plan.caption_window;
        WindowBoxes wb = det_at.empty() ? no_boxes(gen.hidden)
                                        : g_->boxes(g_->image_embeddings(window_pixels(k, cw).sam),
                                                    g_->det_features(gen.hidden, det_at), &k.geometry);
        collect(wb, k.plan.windows[cw], text::parse_answer(k.answer).phrases, k.width, k.height, options_.threshold,
                true, k.results, k.done);
        if (stats) stats->generated_tokens += static_cast<int64_t>(gen.ids.size()), ++stats->windows;
      }
    }
  }

  // Every other window of each clip: teacher-forced on the clip's answer, several windows a batch.
  for (auto& k : clips) {
    if (!k.error.empty()) continue;
    try {
      std::vector<size_t> forced;
      for (size_t w = 0; w < k.plan.windows.size(); ++w)
        if (!iground || w != k.plan.caption_window) forced.push_back(w);
      const auto phrases = text::parse_answer(k.answer).phrases;
      at::Tensor ids = torch::tensor(prompt_ids(k.answer), torch::kLong);
      const size_t batch = options_.window_batch > 0 ? static_cast<size_t>(options_.window_batch) : forced.size();
      for (size_t first = 0; first < forced.size(); first += batch) {
        std::vector<size_t> group(forced.begin() + first, forced.begin() + std::min(forced.size(), first + batch));
        // The encoders run window by window (their global attention over every frame of a batch would need
        // gigabytes); the language model runs the windows as one batch.
        std::vector<at::Tensor> embeds, images;
        int64_t video_tokens = 0;
        for (size_t w : group) {
          WindowPixels px = window_pixels(k, w);
          at::Tensor video = g_->video_tokens(px.clip);
          video_tokens = video.size(1);
          embeds.push_back(g_->assemble(ids, video));
          images.push_back(g_->image_embeddings(px.sam));
        }
        at::Tensor hidden = g_->decode(torch::cat(embeds, 0));
        const auto det_at = g_->det_positions(ids, video_tokens);
        for (size_t b = 0; b < group.size(); ++b) {
          WindowBoxes wb = det_at.empty() ? no_boxes(hidden)
                                          : g_->boxes(images[b], g_->det_features(hidden[b], det_at), &k.geometry);
          // GLaMM's boxes exist where its masks do: always gated.
          collect(wb, k.plan.windows[group[b]], phrases, k.width, k.height, options_.threshold, iground || glamm,
                  k.results, k.done);
        }
        if (stats) stats->windows += static_cast<int64_t>(group.size());
      }
      for (int64_t p = 0; p < k.t; ++p)
        if (!k.done[p]) throw Error(k.id, "internal: frame " + std::to_string(p) + " is in no window");
    } catch (const Error& e) {
      fail(k, e);
    } catch (const c10::Error& e) {
      fail_torch(k, e);
    }
  }

  std::vector<Outcome> out(clips.size());
  for (size_t i = 0; i < clips.size(); ++i) {
    Clip& k = clips[i];
    if (!k.error.empty()) {
      out[i].where = k.error_where;
      out[i].error = k.error;
      continue;
    }
    const io::Record& f = *k.frames;
    const text::ParsedCaption parsed = text::parse_answer(k.answer);
    io::Record r = io::Record::object();
    r["type"] = "prediction";
    r["id"] = k.id;
    r["caption"] = parsed.caption;
    r["tagged_caption"] = parsed.tagged_caption;
    r["phrases"] = parsed.phrases;
    r["frame_indices"] = f.at("frame_indices");
    io::Record boxes = io::Record::array(), labels = io::Record::array(), objectness = io::Record::array();
    for (auto& fr : k.results) {
      boxes.push_back(std::move(fr.boxes));
      labels.push_back(std::move(fr.labels));
      objectness.push_back(std::move(fr.objectness));
    }
    r["boxes"] = std::move(boxes);
    r["labels"] = std::move(labels);
    r["objectness"] = std::move(objectness);
    r["width"] = f.at("width");
    r["height"] = f.at("height");
    if (f.contains("source")) r["source"] = f["source"];
    r["protocol"] = iground ? "iground" : "teacher-forced";
    if (stats) stats->frames += k.t;
    out[i].record = std::move(r);
  }
  return out;
}

}  // namespace grove::model
