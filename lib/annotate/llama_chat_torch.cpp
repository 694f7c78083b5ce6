// See llama_chat.h.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "annotate/llama_chat.h"
#include "arch/config.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/llama.h"
#include "model/load.h"
#include "nn/layers.h"
#include "nn/tensors.h"
#include "text/byte_level_tokenizer.h"
#include "text/tokenizer.h"

namespace grove::annotate {

namespace {

namespace fs = std::filesystem;

// LlamaForCausalLM under Hugging Face's names: model.embed_tokens, model.layers.N, model.norm, lm_head.
struct LlamaLmImpl : torch::nn::Module {
  LlamaLmImpl(const arch::LlamaConfig& c, bool tied) : config(c) {
    auto body = register_module("model", std::make_shared<torch::nn::Module>());
    embed_tokens = body->register_module("embed_tokens", nn::Embedding(c.vocab_size, c.hidden_size));
    layers = body->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(model::LlamaLayer(c));
    norm = body->register_module("norm", model::RmsNorm(c.hidden_size, c.rms_norm_eps));
    if (!tied) lm_head = register_module("lm_head", nn::Linear(c.hidden_size, c.vocab_size, false));
  }
  at::Tensor logits(const at::Tensor& ids, model::KvCache& cache) {  // ids (1, L) -> logits of the last position
    at::Tensor h = model::run_layers(layers, config, embed_tokens->forward(ids), &cache);
    h = norm->forward(h.select(1, h.size(1) - 1));
    return lm_head ? lm_head->forward(h) : torch::matmul(h, embed_tokens->weight.t());
  }
  arch::LlamaConfig config;
  nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  model::RmsNorm norm{nullptr};
  nn::Linear lm_head{nullptr};
};
TORCH_MODULE(LlamaLm);

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw Error(p.string(), "cannot read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(p.string(), "not a JSON object");
  return j;
}

std::vector<int64_t> ids_of(const nlohmann::json& v) {
  std::vector<int64_t> out;
  if (v.is_number_integer()) out.push_back(v.get<int64_t>());
  if (v.is_array())
    for (const auto& x : v)
      if (x.is_number_integer()) out.push_back(x.get<int64_t>());
  return out;
}

arch::RopeScaling rope_scaling(const nlohmann::json& r, const std::string& where) {
  arch::RopeScaling s;
  s.type = r.value("rope_type", r.value("type", std::string()));
  if (s.type != "llama3" && s.type != "linear")
    throw Error(where, "rope_scaling of type \"" + s.type + "\" is not supported (llama3 and linear are)");
  s.factor = r.value("factor", 1.0);
  s.low_freq_factor = r.value("low_freq_factor", 1.0);
  s.high_freq_factor = r.value("high_freq_factor", 4.0);
  s.original_max_position_embeddings = r.value("original_max_position_embeddings", int64_t{8192});
  if (s.factor <= 0 || (s.type == "llama3" && s.high_freq_factor <= s.low_freq_factor))
    throw Error(where, "rope_scaling has a factor <= 0 or high_freq_factor <= low_freq_factor");
  return s;
}

class LlamaChat : public ChatBackend {
 public:
  explicit LlamaChat(const LlamaChatOptions& o) : o_(o) {
    const fs::path dir(o.dir);
    const fs::path cfg_path = dir / "config.json";
    const nlohmann::json j = read_json(cfg_path);
    const std::string where = cfg_path.string();
    if (j.value("model_type", std::string()) != "llama")
      throw Error(where, "model_type is \"" + j.value("model_type", std::string()) + "\", not \"llama\"");
    auto need = [&](const char* key) -> int64_t {
      if (!j.contains(key) || !j[key].is_number_integer()) throw Error(where, std::string("needs the integer \"") + key + "\"");
      return j[key].get<int64_t>();
    };
    c_.vocab_size = need("vocab_size");
    c_.hidden_size = need("hidden_size");
    c_.intermediate_size = need("intermediate_size");
    c_.num_hidden_layers = need("num_hidden_layers");
    c_.num_attention_heads = need("num_attention_heads");
    c_.num_key_value_heads = j.value("num_key_value_heads", c_.num_attention_heads);
    c_.max_position_embeddings = j.value("max_position_embeddings", int64_t{4096});
    c_.rms_norm_eps = j.value("rms_norm_eps", 1e-6);
    c_.rope_theta = j.value("rope_theta", 10000.0);
    if (c_.hidden_size % c_.num_attention_heads || c_.num_attention_heads % c_.num_key_value_heads)
      throw Error(where, "hidden_size, num_attention_heads and num_key_value_heads do not divide");
    if (j.contains("head_dim") && j["head_dim"] != c_.head_dim())
      throw Error(where, "head_dim differs from hidden_size / num_attention_heads, which is not supported");
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) c_.rope_scaling = rope_scaling(j["rope_scaling"], where);
    // Generation stops at any of the config's and generation_config.json's end tokens (Llama 3 Instruct ends its
    // turns with <|eot_id|>, listed only in the latter by some releases).
    eos_ = ids_of(j.value("eos_token_id", nlohmann::json(2)));
    if (fs::exists(dir / "generation_config.json"))
      for (int64_t e : ids_of(read_json(dir / "generation_config.json").value("eos_token_id", nlohmann::json())))
        eos_.push_back(e);

    const fs::path tj = dir / "tokenizer.json";
    nlohmann::ordered_json tokenizer_json;  // read once: Llama 3's is about 9 MB
    if (!fs::exists(dir / "tokenizer.model") && fs::exists(tj)) tokenizer_json = text::read_tokenizer_json(tj.string());
    if (!tokenizer_json.is_null() && text::is_byte_level(tokenizer_json)) {
      auto t = std::make_shared<text::ByteLevelTokenizer>(text::ByteLevelTokenizer::from_json(tokenizer_json, tj.string()));
      encode_ = [t](const std::string& s) { return t->encode(s); };
      decode_ = [t](const std::vector<int32_t>& ids) { return t->decode(ids); };
      token_id_ = [t](const std::string& s) { return t->id(s); };
    } else {
      auto t = std::make_shared<text::Tokenizer>(text::Tokenizer::load(o.dir));
      encode_ = [t](const std::string& s) { return t->encode(s, false); };
      decode_ = [t](const std::vector<int32_t>& ids) { return t->decode(ids); };
      token_id_ = [t](const std::string& s) { return t->id(s); };
    }

    if (o_.format == ChatFormat::Auto)
      o_.format = token_id_("<|start_header_id|>") >= 0 ? ChatFormat::Llama3 : ChatFormat::Llama2;
    device_ = model::parse_device(o.device, "--llm-device");
    dtype_ = model::parse_dtype(o.dtype.empty() ? (device_.is_cuda() ? "bf16" : "f32") : o.dtype, "--llm-dtype");
    io::SafetensorsSet weights(o.dir);
    auto views = nn::views(weights);
    // Checkpoints from older transformers carry the rotary inv_freq buffers; they are recomputed here.
    views.erase(std::remove_if(views.begin(), views.end(),
                               [](const auto& v) { return v.first.find("rotary_emb.inv_freq") != std::string::npos; }),
                views.end());
    const bool tied = j.value("tie_word_embeddings", false) || !weights.contains("lm_head.weight");
    {
      nn::BuildScope scope({c10::TensorOptions().dtype(dtype_).device(device_), false});
      lm_ = LlamaLm(c_, tied);
    }
    nn::load_module(*lm_, views, "", o.dir, device_.is_cpu());
    lm_->eval();
  }

  std::string describe() const override {
    return "built-in LLaMA " + o_.dir + " (" + (o_.format == ChatFormat::Llama2 ? "llama2" : "llama3") + " chat format)";
  }

  std::string complete(const std::vector<ChatMessage>& messages) override {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> ids;
    for (const auto& piece : apply_chat_format(o_.format, messages)) {
      if (!piece.special.empty()) {
        const int32_t id = token_id_(piece.special);
        if (id < 0) throw Error(o_.dir, "the tokenizer has no special token " + piece.special + " (wrong --chat-format?)");
        ids.push_back(id);
      } else {
        for (int32_t t : encode_(piece.text)) ids.push_back(t);
      }
    }
    if (static_cast<int64_t>(ids.size()) + o_.max_new_tokens > c_.max_position_embeddings)
      throw Error(o_.dir, "the prompt has " + std::to_string(ids.size()) + " tokens; with " +
                              std::to_string(o_.max_new_tokens) + " new ones it exceeds the model's " +
                              std::to_string(c_.max_position_embeddings) + " positions");
    model::KvCache cache;
    at::Tensor step = torch::tensor(ids, torch::kLong).unsqueeze(0).to(device_);
    std::vector<int32_t> out;
    for (int n = 0; n < o_.max_new_tokens; ++n) {
      const int64_t next = lm_->logits(step, cache).argmax(-1).item<int64_t>();
      if (std::find(eos_.begin(), eos_.end(), next) != eos_.end()) break;
      out.push_back(static_cast<int32_t>(next));
      step = torch::full({1, 1}, next, torch::TensorOptions().dtype(torch::kLong).device(device_));
    }
    return decode_(out);
  }

 private:
  LlamaChatOptions o_;
  arch::LlamaConfig c_;
  std::vector<int64_t> eos_;
  // The download's tokenizer: SentencePiece (Llama 2) or byte-level BPE (Llama 3).
  std::function<std::vector<int32_t>(const std::string&)> encode_;
  std::function<std::string(const std::vector<int32_t>&)> decode_;
  std::function<int32_t(const std::string&)> token_id_;
  c10::Device device_{c10::kCPU};
  c10::ScalarType dtype_ = c10::kFloat;
  LlamaLm lm_{nullptr};
};

}  // namespace

std::unique_ptr<ChatBackend> make_llama_chat(const LlamaChatOptions& options) {
  return std::make_unique<LlamaChat>(options);
}

}  // namespace grove::annotate
