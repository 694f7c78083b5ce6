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
  std::vector<at::Tensor> clips, sams;
  for (const auto& p : frames.at("pixels")) {
    const auto& bytes = p.get_binary();
    video::RgbImage im{w, h, std::vector<uint8_t>(bytes.begin(), bytes.end())};
    auto as_tensor = [](const video::RgbImage& v) {
      return torch::from_blob(const_cast<uint8_t*>(v.rgb.data()), {1, v.height, v.width, 3}, torch::kUInt8).clone();
    };
    clips.push_back(as_tensor(video::clip_view(im, static_cast<int>(c.clip.image_size))));
    sams.push_back(as_tensor(video::sam_view(im, static_cast<int>(c.sam.image_size))));
  }
  return {clip_normalize(torch::cat(clips)).to(device), sam_normalize(torch::cat(sams), c.sam.image_size).to(device)};
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

std::vector<int64_t> to_vector(const at::Tensor& t) {
  at::Tensor c = t.to(torch::kLong).cpu().contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

}  // namespace

Predictor::Predictor(Grove g, text::Tokenizer tokenizer, InferOptions options)
    : g_(std::move(g)), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {}

io::Record Predictor::predict(const io::Record& frames, const std::string& given_answer, InferStats* stats) {
  torch::NoGradGuard no_grad;
  const std::string id = io::record_id(frames);
  io::require_valid(frames, "frames record");
  const arch::Config& c = g_->config;
  const bool iground = options_.protocol == InferOptions::Protocol::IGround;
  const int64_t t = static_cast<int64_t>(frames.at("pixels").size());
  if (t == 0) throw Error(id, "the clip has no frames");
  if (!iground && given_answer.empty()) throw Error(id, "no caption to teacher-force (teacher-forced protocol)");
  const int64_t width = frames.at("width").get<int64_t>(), height = frames.at("height").get<int64_t>();
  const c10::Device device = g_->lm_head->weight.device();
  const std::string instruction = !options_.instruction.empty() ? options_.instruction
                                  : iground                     ? text::kInstructionGrounded
                                                                : text::kInstructionSingleBox;

  const WindowPixels pixels = clip_pixels(frames, c, device);
  const video::WindowPlan plan = video::plan_windows(t, c.num_frames);
  auto window_pixels = [&](size_t w) {
    at::Tensor i = torch::tensor(plan.windows[w].positions, torch::kLong).to(device);
    return WindowPixels{pixels.clip.index_select(0, i), pixels.sam.index_select(0, i)};
  };

  std::vector<FrameResult> results(t);
  std::vector<bool> done(t, false);
  std::string answer = given_answer;
  std::vector<size_t> forced;  // the windows run teacher-forced
  if (iground) {
    // The caption: greedy decoding on the centre window.
    const size_t cw = plan.caption_window;
    WindowPixels px = window_pixels(cw);
    at::Tensor prompt = torch::tensor(tokenizer_.encode_prompt(text::llava_prompt(instruction)), torch::kLong);
    at::Tensor video = g_->video_tokens(px.clip);
    Generated gen = generate_greedy(g_, g_->assemble(prompt, video), options_.max_new_tokens, c.tokens.eos,
                                    options_.use_cache);
    std::vector<int64_t> sequence = to_vector(prompt);
    sequence.insert(sequence.end(), gen.ids.begin(), gen.ids.end());
    std::vector<int32_t> text_ids;
    for (int64_t i : sequence)
      if (i != c.tokens.image_placeholder && i != c.tokens.pad) text_ids.push_back(static_cast<int32_t>(i));
    answer = text::answer_of_decoded(tokenizer_.decode(text_ids));
    const auto phrases = text::parse_answer(answer).phrases;
    const auto det_at = g_->det_positions(torch::tensor(sequence, torch::kLong), video.size(1));
    WindowBoxes wb;
    if (!det_at.empty()) {
      wb = g_->boxes(g_->image_embeddings(px.sam), g_->det_features(gen.hidden, det_at));
    } else {
      wb.boxes.assign(c.num_frames, torch::zeros({0, 4}, gen.hidden.options()));
      wb.logits.assign(c.num_frames, torch::zeros({0}, gen.hidden.options()));
    }
    collect(wb, plan.windows[cw], phrases, width, height, options_.threshold, true, results, done);
    if (stats) stats->generated_tokens += static_cast<int64_t>(gen.ids.size()), ++stats->windows;
    for (size_t w = 0; w < plan.windows.size(); ++w)
      if (w != cw) forced.push_back(w);
  } else {
    for (size_t w = 0; w < plan.windows.size(); ++w) forced.push_back(w);
  }

  // Every other window: one teacher-forced pass over the answer, several windows a batch.
  const auto phrases = text::parse_answer(answer).phrases;
  if (!forced.empty()) {
    at::Tensor ids = torch::tensor(tokenizer_.encode_prompt(text::llava_prompt(instruction, answer)), torch::kLong);
    const size_t batch = options_.window_batch > 0 ? static_cast<size_t>(options_.window_batch) : forced.size();
    for (size_t first = 0; first < forced.size(); first += batch) {
      std::vector<size_t> group(forced.begin() + first, forced.begin() + std::min(forced.size(), first + batch));
      // The encoders run window by window (their global attention over every frame of a batch would need
      // gigabytes); the language model runs the windows as one batch.
      std::vector<at::Tensor> embeds, images;
      int64_t video_tokens = 0;
      for (size_t w : group) {
        WindowPixels px = window_pixels(w);
        at::Tensor video = g_->video_tokens(px.clip);
        video_tokens = video.size(1);
        embeds.push_back(g_->assemble(ids, video));
        images.push_back(g_->image_embeddings(px.sam));
      }
      at::Tensor hidden = g_->decode(torch::cat(embeds, 0));
      const auto det_at = g_->det_positions(ids, video_tokens);
      for (size_t b = 0; b < group.size(); ++b) {
        WindowBoxes wb;
        if (!det_at.empty()) {
          wb = g_->boxes(images[b], g_->det_features(hidden[b], det_at));
        } else {
          wb.boxes.assign(c.num_frames, torch::zeros({0, 4}, hidden.options()));
          wb.logits.assign(c.num_frames, torch::zeros({0}, hidden.options()));
        }
        collect(wb, plan.windows[group[b]], phrases, width, height, options_.threshold, iground, results, done);
      }
      if (stats) stats->windows += static_cast<int64_t>(group.size());
    }
  }
  for (int64_t p = 0; p < t; ++p)
    if (!done[p]) throw Error(id, "internal: frame " + std::to_string(p) + " is in no window");

  const text::ParsedCaption parsed = text::parse_answer(answer);
  io::Record out = io::Record::object();
  out["type"] = "prediction";
  out["id"] = id;
  out["caption"] = parsed.caption;
  out["tagged_caption"] = parsed.tagged_caption;
  out["phrases"] = parsed.phrases;
  out["frame_indices"] = frames.at("frame_indices");
  io::Record boxes = io::Record::array(), labels = io::Record::array(), objectness = io::Record::array();
  for (auto& r : results) {
    boxes.push_back(std::move(r.boxes));
    labels.push_back(std::move(r.labels));
    objectness.push_back(std::move(r.objectness));
  }
  out["boxes"] = std::move(boxes);
  out["labels"] = std::move(labels);
  out["objectness"] = std::move(objectness);
  out["width"] = frames.at("width");
  out["height"] = frames.at("height");
  if (frames.contains("source")) out["source"] = frames["source"];
  out["protocol"] = iground ? "iground" : "teacher-forced";
  if (stats) stats->frames += t;
  return out;
}

}  // namespace grove::model
