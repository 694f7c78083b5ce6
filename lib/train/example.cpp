// See example.h.
#include "train/example.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>

#include "core/error.h"
#include "core/strings.h"
#include "model/grove.h"
#include "text/caption.h"
#include "video/sampling.h"

namespace grove::train {

Dataset parse_dataset(const std::string& name) {
  if (name == "howtoground" || name == "howtoground1m" || name == "iground") return Dataset::HowToGround;
  if (name == "vidstg") return Dataset::VidStg;
  if (name == "anet" || name == "anet-entities" || name == "activitynet-entities") return Dataset::AnetEntities;
  throw Error("--dataset", "'" + name + "' is not howtoground, iground, vidstg or anet");
}

namespace {

uint64_t key_hash(const std::string& key, uint64_t seed, int64_t epoch) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  return h ^ (seed * 0x9E3779B97F4A7C15ull) ^ (static_cast<uint64_t>(epoch) * 0xC2B2AE3D27D4EB4Full);
}

}  // namespace

std::vector<size_t> choose_entries(const io::Record& sample, int64_t frames, bool random, uint64_t seed, int64_t epoch) {
  const size_t t = sample.at("bboxes").size();
  const std::string id = io::record_id(sample);
  if (t == 0) throw Error(id, "the sample has no annotated frames");
  const size_t n = static_cast<size_t>(frames);
  auto stretch = [&](std::vector<size_t> v) {  // fewer entries than frames: repeat each in order
    if (v.size() >= n) return v;
    std::vector<size_t> out;
    for (size_t k = 0; k < n; ++k) out.push_back(v[k * v.size() / n]);
    return out;
  };
  if (!random) return stretch(video::segment_positions(t, n, video::Sampling::Center, 0, id));
  auto has_box = [&](const std::vector<size_t>& v) {
    for (size_t p : v)
      if (!sample["bboxes"][p].empty()) return true;
    return false;
  };
  std::vector<size_t> v;
  for (int attempt = 0; attempt < 100; ++attempt) {  // the original redraws until an object is visible
    v = video::segment_positions(t, n, video::Sampling::Random, key_hash(id, seed, epoch) + attempt, id);
    if (has_box(v)) break;
  }
  return stretch(v);
}

at::Tensor conversation_labels(const std::string& conversation, const std::vector<int64_t>& ids,
                               const text::Tokenizer& tokenizer) {
  std::vector<int64_t> labels = ids;
  if (!labels.empty()) labels[0] = -100;  // BOS
  const std::string sep = " ASSISTANT: ";
  size_t cur = 1;
  // Rounds end at "</s>"; the conversation has one.
  std::string round = conversation.substr(0, conversation.find("</s>"));
  const size_t at = round.find(sep);
  bool ok = at != std::string::npos;
  if (ok) {
    const std::string prefix = round.substr(0, at) + sep;
    const size_t round_len = tokenizer.encode_prompt(round).size();
    const size_t instruction_len = tokenizer.encode_prompt(prefix).size() - 2;
    for (size_t i = cur; i < std::min(labels.size(), cur + instruction_len); ++i) labels[i] = -100;
    cur += round_len;
  }
  for (size_t i = std::min(cur, labels.size()); i < labels.size(); ++i) labels[i] = -100;
  // The original checks the count and ignores the whole sample when it is off (a tokenization mismatch).
  if (!ok || cur != ids.size())
    std::fill(labels.begin(), labels.end(), int64_t{-100});
  return torch::tensor(labels, torch::kLong);
}

Example make_example(const io::Record& sample, const std::vector<size_t>& entries,
                     const std::vector<video::RgbImage>& frames, const text::Tokenizer& tokenizer,
                     const arch::Config& config, const ExampleOptions& options) {
  Example ex;
  ex.id = io::record_id(sample);
  if (entries.size() != frames.size() || static_cast<int64_t>(frames.size()) != config.num_frames)
    throw Error(ex.id, "expected " + std::to_string(config.num_frames) + " frames, got " + std::to_string(frames.size()));

  // Pixels, as both encoders' preprocessing gives them.
  model::WindowPixels px = model::encoder_pixels(frames, config);
  ex.clip = px.clip;
  ex.sam = px.sam;

  // The answer and its phrases ([DET] order).
  std::vector<std::string> phrases;
  std::string answer;
  const std::string caption = sample.value("caption", std::string());
  if (options.dataset == Dataset::VidStg) {
    answer = "<p> " + strip(caption) + " </p> [DET]";
    phrases = {strip(caption)};
  } else {
    auto a = text::tagged_answer(caption, sample.value("tagged_caption", std::string()),
                                 sample.value("phrases", std::vector<std::string>{}));
    answer = a.text;
    phrases = a.phrases;
  }

  // The conversation with a drawn instruction (question 1 for validation).
  const auto& questions = options.dataset == Dataset::VidStg ? text::kStgQuestions : text::kGroundingQuestions;
  size_t q = 0;
  if (options.random) {
    std::mt19937_64 rng(key_hash(ex.id, options.seed, options.epoch) ^ 0x5bd1e995u);
    q = std::uniform_int_distribution<size_t>(0, questions.size() - 1)(rng);
  }
  const std::string conversation = text::llava_prompt(questions[q], answer);
  std::vector<int64_t> ids = tokenizer.encode_prompt(conversation);
  at::Tensor labels = conversation_labels(conversation, ids, tokenizer);
  if (static_cast<int64_t>(ids.size()) > options.max_tokens) {
    ids.resize(options.max_tokens);
    labels = labels.narrow(0, 0, options.max_tokens).clone();
  }
  ex.ids = torch::tensor(ids, torch::kLong);
  ex.labels = labels;

  // Per frame: the boxes of the phrases it shows (one per phrase: several instances merge into their union, as the
  // processed annotations hold them), normalised by the original frame, and the objectness labels.
  const double w = sample.at("width").get<double>(), h = sample.at("height").get<double>();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < phrases.size(); ++i) index.emplace(lower(phrases[i]), i);
  for (size_t e : entries) {
    const auto& bb = sample.at("bboxes").at(e);
    const auto& ll = sample.at("labels").at(e);
    std::map<size_t, std::array<double, 4>> by_phrase;
    for (size_t j = 0; j < bb.size(); ++j) {
      size_t p = 0;
      if (options.dataset != Dataset::VidStg) {
        auto it = index.find(lower(ll.at(j).get<std::string>()));
        if (it == index.end())
          throw Error(ex.id, "box label \"" + ll.at(j).get<std::string>() + "\" is not one of the caption's phrases");
        p = it->second;
      }
      std::array<double, 4> b{bb[j][0].get<double>(), bb[j][1].get<double>(), bb[j][2].get<double>(),
                              bb[j][3].get<double>()};
      auto [at, fresh] = by_phrase.emplace(p, b);
      if (!fresh) {
        auto& u = at->second;
        u = {std::min(u[0], b[0]), std::min(u[1], b[1]), std::max(u[2], b[2]), std::max(u[3], b[3])};
      }
    }
    std::vector<float> flat;
    std::vector<float> obj(phrases.size(), 0.0f);
    for (const auto& [p, b] : by_phrase) {
      obj[p] = 1.0f;
      flat.insert(flat.end(), {static_cast<float>((b[0] + b[2]) / 2 / w), static_cast<float>((b[1] + b[3]) / 2 / h),
                               static_cast<float>((b[2] - b[0]) / w), static_cast<float>((b[3] - b[1]) / h)});
    }
    ex.boxes.push_back(torch::tensor(flat, torch::kFloat).view({-1, 4}));
    ex.objectness.push_back(torch::tensor(obj, torch::kFloat));
  }
  return ex;
}

}  // namespace grove::train
