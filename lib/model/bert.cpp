// See bert.h.
#include "model/bert.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/strings.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"
#include "nn/tensors.h"

namespace grove::model {

namespace fs = std::filesystem;

BertConfig BertConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path, "cannot read the BERT config (config.json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(path, std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error(path, "not a JSON object");
  BertConfig c;
  if (j.contains("model_type") && j["model_type"].is_string() && j["model_type"] != "bert")
    throw Error(path, "model_type is \"" + j["model_type"].get<std::string>() + "\", not \"bert\"");
  auto integer = [&](const char* key, int64_t& v) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
      throw Error(path, std::string(key) + " must be a positive integer");
    v = j[key].get<int64_t>();
  };
  integer("vocab_size", c.vocab_size);
  integer("hidden_size", c.hidden_size);
  integer("num_hidden_layers", c.num_hidden_layers);
  integer("num_attention_heads", c.num_attention_heads);
  integer("intermediate_size", c.intermediate_size);
  integer("max_position_embeddings", c.max_position_embeddings);
  integer("type_vocab_size", c.type_vocab_size);
  if (j.contains("layer_norm_eps")) {
    if (!j["layer_norm_eps"].is_number()) throw Error(path, "layer_norm_eps must be a number");
    c.layer_norm_eps = j["layer_norm_eps"].get<double>();
  }
  if (j.contains("hidden_act")) {
    if (!j["hidden_act"].is_string()) throw Error(path, "hidden_act must be a string");
    c.hidden_act = j["hidden_act"].get<std::string>();
  }
  const std::vector<std::string> acts{"gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"};
  if (std::find(acts.begin(), acts.end(), c.hidden_act) == acts.end())
    throw Error(path, "hidden_act \"" + c.hidden_act + "\" is not one grove runs (gelu, gelu_new, relu, silu)");
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute")
    throw Error(path, "position_embedding_type must be \"absolute\" (the relative ones are not implemented)");
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error(path, "hidden_size " + std::to_string(c.hidden_size) + " is not a multiple of num_attention_heads " +
                          std::to_string(c.num_attention_heads));
  return c;
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& c) {
  word_embeddings = register_module("word_embeddings", nn::Embedding(c.vocab_size, c.hidden_size));
  position_embeddings = register_module("position_embeddings", nn::Embedding(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings = register_module("token_type_embeddings", nn::Embedding(c.type_vocab_size, c.hidden_size));
  LayerNorm = register_module("LayerNorm", nn::LayerNorm(c.hidden_size, c.layer_norm_eps));
}

at::Tensor BertEmbeddingsImpl::forward(const at::Tensor& ids) {
  const int64_t l = ids.size(1);
  if (l > position_embeddings->count)
    throw Error("BERT", std::to_string(l) + " tokens, more than max_position_embeddings " +
                            std::to_string(position_embeddings->count));
  // word + token type 0 + position, summed in BertEmbeddings' order.
  at::Tensor x = word_embeddings->forward(ids) + token_type_embeddings->weight[0];
  x = x + position_embeddings->weight.narrow(0, 0, l).unsqueeze(0);
  return LayerNorm->forward(x);
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const BertConfig& c) : heads(c.num_attention_heads) {
  query = register_module("query", nn::Linear(c.hidden_size, c.hidden_size));
  key = register_module("key", nn::Linear(c.hidden_size, c.hidden_size));
  value = register_module("value", nn::Linear(c.hidden_size, c.hidden_size));
}

at::Tensor BertSelfAttentionImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  const int64_t b = x.size(0), l = x.size(1), d = x.size(2), hd = d / heads;
  auto split = [&](const at::Tensor& t) { return t.view({b, l, heads, hd}).transpose(1, 2); };
  at::Tensor q = split(query->forward(x)), k = split(key->forward(x)), v = split(value->forward(x));
  at::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(hd));
  if (additive_mask.defined()) scores = scores + additive_mask;
  at::Tensor probs = torch::softmax(scores, -1);
  return torch::matmul(probs, v).transpose(1, 2).reshape({b, l, d});
}

BertResidualOutputImpl::BertResidualOutputImpl(int64_t in, int64_t out, double eps) {
  dense = register_module("dense", nn::Linear(in, out));
  LayerNorm = register_module("LayerNorm", nn::LayerNorm(out, eps));
}

at::Tensor BertResidualOutputImpl::forward(const at::Tensor& x, const at::Tensor& input) {
  return LayerNorm->forward(dense->forward(x) + input);
}

BertAttentionImpl::BertAttentionImpl(const BertConfig& c) {
  self = register_module("self", BertSelfAttention(c));
  output = register_module("output", BertResidualOutput(c.hidden_size, c.hidden_size, c.layer_norm_eps));
}

at::Tensor BertAttentionImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  return output->forward(self->forward(x, additive_mask), x);
}

BertIntermediateImpl::BertIntermediateImpl(const BertConfig& c) : act(c.hidden_act) {
  dense = register_module("dense", nn::Linear(c.hidden_size, c.intermediate_size));
}

at::Tensor BertIntermediateImpl::forward(const at::Tensor& x) {
  at::Tensor h = dense->forward(x);
  if (act == "gelu") return torch::gelu(h);  // erf
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") return torch::gelu(h, "tanh");
  if (act == "relu") return torch::relu(h);
  return torch::silu(h);
}

BertLayerImpl::BertLayerImpl(const BertConfig& c) {
  attention = register_module("attention", BertAttention(c));
  intermediate = register_module("intermediate", BertIntermediate(c));
  output = register_module("output", BertResidualOutput(c.intermediate_size, c.hidden_size, c.layer_norm_eps));
}

at::Tensor BertLayerImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  at::Tensor a = attention->forward(x, additive_mask);
  return output->forward(intermediate->forward(a), a);
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& c) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layer->push_back(BertLayer(c));
}

BertModelImpl::BertModelImpl(const BertConfig& c) : config(c) {
  embeddings = register_module("embeddings", BertEmbeddings(c));
  encoder = register_module("encoder", BertEncoder(c));
}

at::Tensor BertModelImpl::forward(const at::Tensor& ids, const at::Tensor& attention_mask) {
  at::Tensor h = embeddings->forward(ids);
  at::Tensor additive;
  if (attention_mask.defined()) {
    // get_extended_attention_mask: (1 - mask) * finfo(dtype).min, broadcast over heads and queries.
    at::Tensor m = attention_mask.to(h.scalar_type()).unsqueeze(1).unsqueeze(2);
    const double lowest = h.scalar_type() == c10::kDouble ? std::numeric_limits<double>::lowest()
                                                          : static_cast<double>(std::numeric_limits<float>::lowest());
    additive = (1.0 - m) * lowest;
  }
  for (const auto& l : *encoder->layer) h = l->as<BertLayerImpl>()->forward(h, additive);
  return h;
}

namespace {

// The weights files of a Hugging Face folder, in the order from_pretrained prefers them.
std::vector<std::pair<std::string, at::Tensor>> read_weights(const fs::path& path) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  auto read_bin = [&](const fs::path& p) {
    io::Checkpoint ck = io::read_torch_checkpoint(p.string());
    for (const auto& t : ck.tensors) out.emplace_back(t.name, nn::view(t));
  };
  if (fs::is_directory(path)) {
    if (fs::is_regular_file(path / "model.safetensors") || fs::is_regular_file(path / "model.safetensors.index.json"))
      return nn::views(io::SafetensorsSet(path.string()));
    if (fs::is_regular_file(path / "pytorch_model.bin")) {
      read_bin(path / "pytorch_model.bin");
      return out;
    }
    if (fs::is_regular_file(path / "pytorch_model.bin.index.json")) {
      for (const auto& f : io::read_shard_index((path / "pytorch_model.bin.index.json").string()).files) read_bin(f);
      return out;
    }
    throw Error(path.string(), "no BERT weights: expected model.safetensors or pytorch_model.bin (or their "
                               ".index.json), as a Hugging Face download has them");
  }
  const std::string name = path.filename().string();
  if (ends_with(name, ".safetensors") || ends_with(name, ".safetensors.index.json"))
    return nn::views(io::SafetensorsSet(path.string()));
  if (ends_with(name, ".bin.index.json")) {
    for (const auto& f : io::read_shard_index(path.string()).files) read_bin(f);
    return out;
  }
  read_bin(path);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> bert_weights(const std::string& path) {
  std::vector<std::pair<std::string, at::Tensor>> all = read_weights(path);
  std::string prefix;
  bool bare = false, prefixed = false;
  for (const auto& [name, t] : all) {
    bare = bare || name == "embeddings.word_embeddings.weight";
    prefixed = prefixed || name == "bert.embeddings.word_embeddings.weight";
  }
  if (!bare && prefixed) prefix = "bert.";
  else if (!bare) throw Error(path, "no embeddings.word_embeddings.weight (nor bert.embeddings.word_embeddings.weight): "
                                    "not a BERT checkpoint");
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (auto& [full, t] : all) {
    if (full.compare(0, prefix.size(), prefix) != 0) continue;  // cls.* heads of BertForPreTraining, ...
    std::string name = full.substr(prefix.size());
    if (name.compare(0, 7, "pooler.") == 0 || name == "embeddings.position_ids") continue;
    if (ends_with(name, ".gamma")) name = name.substr(0, name.size() - 6) + ".weight";
    else if (ends_with(name, ".beta")) name = name.substr(0, name.size() - 5) + ".bias";
    out.emplace_back(std::move(name), t);
  }
  return out;
}

BertEmbedder::BertEmbedder(const std::string& dir, c10::Device device)
    : tokenizer_(text::BertTokenizer::load(dir)), device_(device) {
  const BertConfig config = BertConfig::load((fs::path(dir) / "config.json").string());
  if (tokenizer_.size() > config.vocab_size)
    throw Error(dir, "vocab.txt has " + std::to_string(tokenizer_.size()) + " pieces, more than config.json's vocab_size " +
                         std::to_string(config.vocab_size));
  {
    nn::BuildScope scope({c10::TensorOptions().dtype(c10::kFloat).device(device), false});
    model_ = BertModel(config);
  }
  nn::load_module(*model_, bert_weights(dir), "", dir, device.is_cpu());
  model_->eval();
}

size_t BertEmbedder::max_length() const {
  return static_cast<size_t>(std::min<int64_t>(512, model_->config.max_position_embeddings));
}

at::Tensor BertEmbedder::mean_pool(const at::Tensor& hidden, const at::Tensor& mask) {
  at::Tensor m = mask.to(hidden.scalar_type()).unsqueeze(-1);
  return (hidden * m).sum(1) / m.sum(1);
}

at::Tensor BertEmbedder::embed(const std::vector<std::string>& texts, size_t batch) {
  torch::NoGradGuard no_grad;
  batch = std::max<size_t>(1, batch);
  const size_t n = texts.size();
  std::vector<std::vector<int32_t>> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = tokenizer_.encode(texts[i], max_length());
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  at::Tensor out = torch::empty({static_cast<int64_t>(n), model_->config.hidden_size}, torch::kFloat);
  for (size_t start = 0; start < n; start += batch) {
    const size_t count = std::min(batch, n - start);
    size_t len = 0;
    for (size_t k = 0; k < count; ++k) len = std::max(len, ids[order[start + k]].size());
    at::Tensor input = torch::full({static_cast<int64_t>(count), static_cast<int64_t>(len)}, tokenizer_.pad_id(), torch::kLong);
    at::Tensor mask = torch::zeros({static_cast<int64_t>(count), static_cast<int64_t>(len)}, torch::kLong);
    auto in_a = input.accessor<int64_t, 2>();
    auto mask_a = mask.accessor<int64_t, 2>();
    bool padded = false;
    for (size_t k = 0; k < count; ++k) {
      const auto& v = ids[order[start + k]];
      for (size_t t = 0; t < v.size(); ++t) {
        in_a[k][t] = v[t];
        mask_a[k][t] = 1;
      }
      padded = padded || v.size() < len;
    }
    at::Tensor dmask = mask.to(device_);
    // Without padding the mask is all ones: run unmasked, as the original's single-phrase forward does.
    at::Tensor hidden = model_->forward(input.to(device_), padded ? dmask : at::Tensor());
    at::Tensor pooled = mean_pool(hidden, dmask).to(torch::kCPU, torch::kFloat);
    ++forwards_;
    for (size_t k = 0; k < count; ++k) out[static_cast<int64_t>(order[start + k])].copy_(pooled[static_cast<int64_t>(k)]);
  }
  return out;
}

}  // namespace grove::model
