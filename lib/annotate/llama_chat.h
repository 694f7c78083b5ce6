// The built-in LLM backend of the annotation pipeline: a Llama chat model from a Hugging Face download (config.json,
// model.safetensors or its shards, tokenizer.model or tokenizer.json) run by grove's own LLaMA layers
// (model/llama.h), greedy, with a key/value cache, on the CPU or a GPU. Llama 2 (SentencePiece) and Llama 3 / 3.1 /
// 3.2 (byte-level BPE, text/byte_level_tokenizer.h; "llama3" rope_scaling) downloads both run. The conversation is
// rendered with the model's chat format (chat.h).
#pragma once
#include <memory>
#include <string>

#include "annotate/chat.h"

namespace grove::annotate {

struct LlamaChatOptions {
  std::string dir;                   // the Hugging Face download
  ChatFormat format = ChatFormat::Auto;
  int max_new_tokens = 512;
  std::string device = "cpu", dtype;  // dtype "" : f32 on the CPU, bf16 on CUDA
};

// Throws grove::Error naming the file at fault: a config that is not a LlamaForCausalLM, a rope_scaling other than
// "llama3" or "linear", a tokenizer.json it cannot run exactly, weights whose names or shapes do not match the
// config.
std::unique_ptr<ChatBackend> make_llama_chat(const LlamaChatOptions& options);

}  // namespace grove::annotate
