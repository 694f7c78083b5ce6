// See llama_chat.h.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "annotate/llama_chat.h"
#include "arch/config.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/llama.h"
#include "model/load.h"
#include "nn/layers.h"
#include "nn/tensors.h"
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

class LlamaChat : public ChatBackend {
 public:
  explicit LlamaChat(const LlamaChatOptions& o) : o_(o) {
    const fs::path dir(o.dir);
    const fs::path cfg_path = dir / "config.json";
    const nlohmann::json j = read_json(cfg_path);
    const std::string where = cfg_path.string();
    if (j.value("model_type", std::string()) != "llama")
      throw Error(where, "model_type is \"" + j.value("model_type", std::string()) + "\", not \"llama\"");
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
      throw Error(where, "rope_scaling is not supported (Llama 3.1's \"llama3\" scaling is not implemented)");
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
    eos_ = ids_of(j.value("eos_token_id", nlohmann::json(2)));

    if (!fs::exists(dir / "tokenizer.model")) {
      const fs::path tj = dir / "tokenizer.json";
      if (fs::exists(tj) && read_json(tj).dump().find("ByteLevel") != std::string::npos)
        throw Error(tj.string(), "a byte-level BPE tokenizer (Llama 3's) is not supported yet; serve the model "
                                 "with llama.cpp or vLLM and use --llm http://...");
    }
    tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(o.dir));

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
        const int32_t id = tokenizer_->id(piece.special);
        if (id < 0) throw Error(o_.dir, "the tokenizer has no special token " + piece.special + " (wrong --chat-format?)");
        ids.push_back(id);
      } else {
        for (int32_t t : tokenizer_->encode(piece.text, false)) ids.push_back(t);
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
    return tokenizer_->decode(out);
  }

 private:
  LlamaChatOptions o_;
  arch::LlamaConfig c_;
  std::vector<int64_t> eos_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  c10::Device device_{c10::kCPU};
  c10::ScalarType dtype_ = c10::kFloat;
  LlamaLm lm_{nullptr};
};

}  // namespace

std::unique_ptr<ChatBackend> make_llama_chat(const LlamaChatOptions& options) {
  return std::make_unique<LlamaChat>(options);
}

}  // namespace grove::annotate
