// BERT's encoder (transformers' BertModel, as bert-base-uncased runs in the original's eval_iground.py) and the
// phrase embedding that script takes from it: the mean of last_hidden_state over every token of the phrase,
// [CLS] and [SEP] included (reference/evaluation.md 1.1). Modules are registered under BertModel's state-dict names
// (embeddings.word_embeddings, encoder.layer.N.attention.self.query, ...), so a Hugging Face download loads by name:
// config.json for the sizes, vocab.txt for the tokenizer (text/bert_tokenizer.h), and model.safetensors or
// pytorch_model.bin (or their shard indexes) with or without BertForPreTraining's "bert." prefix; the old
// LayerNorm names gamma/beta are read as weight/bias, and the pooler (never run here) and position_ids buffers are
// ignored, as from_pretrained does. Every other name and shape must match (nn::load_module).
//
// The original embeds one phrase per forward, unpadded. Here phrases are batched and padded: padded keys get
// HF's additive mask (the float32 minimum) and the mean runs over the phrase's own tokens, which gives the
// unpadded result up to float rounding.
#pragma once
#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <string>
#include <utility>
#include <vector>

#include "nn/layers.h"
#include "text/bert_tokenizer.h"

namespace grove::model {

// The sizes of a Hugging Face BertConfig (config.json); keys left out take bert-base-uncased's values.
struct BertConfig {
  int64_t vocab_size = 30522, hidden_size = 768, num_hidden_layers = 12, num_attention_heads = 12,
          intermediate_size = 3072, max_position_embeddings = 512, type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";  // gelu (erf), gelu_new / gelu_pytorch_tanh (tanh), relu, silu
  // Reads PATH (config.json); throws grove::Error naming it for invalid JSON, a non-BERT model_type, a
  // position_embedding_type other than "absolute", an unknown activation or sizes that do not fit together.
  static BertConfig load(const std::string& path);
};

struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const BertConfig& c);
  at::Tensor forward(const at::Tensor& ids);  // (B, L) -> (B, L, H); positions 0..L-1, token type 0
  nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(BertEmbeddings);

struct BertSelfAttentionImpl : torch::nn::Module {
  explicit BertSelfAttentionImpl(const BertConfig& c);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);  // mask: (B, 1, 1, L) or undefined
  nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
  int64_t heads;
};
TORCH_MODULE(BertSelfAttention);

// dense, then LayerNorm of the sum with the block's input (BertSelfOutput and BertOutput alike).
struct BertResidualOutputImpl : torch::nn::Module {
  BertResidualOutputImpl(int64_t in, int64_t out, double eps);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& input);
  nn::Linear dense{nullptr};
  nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(BertResidualOutput);

struct BertAttentionImpl : torch::nn::Module {
  explicit BertAttentionImpl(const BertConfig& c);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);
  BertSelfAttention self{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

struct BertIntermediateImpl : torch::nn::Module {
  explicit BertIntermediateImpl(const BertConfig& c);
  at::Tensor forward(const at::Tensor& x);  // act(dense(x))
  nn::Linear dense{nullptr};
  std::string act;
};
TORCH_MODULE(BertIntermediate);

struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const BertConfig& c);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);
  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertLayer);

struct BertEncoderImpl : torch::nn::Module {
  explicit BertEncoderImpl(const BertConfig& c);
  torch::nn::ModuleList layer;
};
TORCH_MODULE(BertEncoder);

struct BertModelImpl : torch::nn::Module {
  explicit BertModelImpl(const BertConfig& c);
  // ids: (B, L) int64; attention_mask: (B, L) of 1 (token) and 0 (padding), or undefined (all tokens).
  // Returns last_hidden_state (B, L, H).
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& attention_mask = {});
  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
  BertConfig config;
};
TORCH_MODULE(BertModel);

// The weights of a Hugging Face BERT folder (or one weights file) as BertModel's names: the "bert." prefix
// removed when the file has it, gamma/beta renamed, the pooler and position_ids dropped. Throws grove::Error
// naming the folder when it holds no weights file grove reads or no BERT embeddings.
std::vector<std::pair<std::string, at::Tensor>> bert_weights(const std::string& path);

// A Hugging Face bert-base-uncased download (config.json, vocab.txt, weights) ready to embed phrases.
class BertEmbedder {
 public:
  explicit BertEmbedder(const std::string& dir, c10::Device device = c10::Device(c10::kCPU));

  // The original's phrase embedding of each text (tokenized with max_length 512, or the model's
  // max_position_embeddings when smaller), as a float32 (N, hidden) tensor on the CPU, rows in input order.
  // Texts are sorted by length and run `batch` at a time: one forward per text.
  at::Tensor embed(const std::vector<std::string>& texts, size_t batch = 64);
  // Mean over the unmasked positions of hidden (B, L, H) with mask (B, L).
  static at::Tensor mean_pool(const at::Tensor& hidden, const at::Tensor& mask);

  const text::BertTokenizer& tokenizer() const { return tokenizer_; }
  BertModel& model() { return model_; }
  const BertConfig& config() const { return model_->config; }
  size_t max_length() const;
  size_t forwards() const { return forwards_; }  // batches run so far

 private:
  text::BertTokenizer tokenizer_;
  BertModel model_{nullptr};
  c10::Device device_;
  size_t forwards_ = 0;
};

}  // namespace grove::model
