// Chat with an LLM for the annotation pipeline: messages, the prompt files users edit (share/grove/prompts), the
// chat templates the built-in LLaMA needs, and the backends. A backend answers a conversation with text; it throws
// grove::Error when it cannot (server down, HTTP error, a reply without content), and the pipeline retries.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace grove::annotate {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

// A prompt file: messages, each begun by a line "@system", "@user" or "@assistant" (in-context examples are
// user/assistant pairs); lines starting with "%%" are comments. {{name}} is replaced by the value given for it.
// Throws grove::Error(path, why) for a missing file, text before the first role line, an unknown role, a
// placeholder without a value, or a value never used (a prompt that forgot the data it is about).
class PromptTemplate {
 public:
  static PromptTemplate load(const std::string& path);
  static PromptTemplate parse(const std::string& text, const std::string& where);
  std::vector<ChatMessage> fill(const std::map<std::string, std::string>& values) const;
  const std::string& path() const { return where_; }

 private:
  std::vector<ChatMessage> messages_;
  std::string where_;
};

// A shipped prompt's path: $GROVE_DATADIR/prompts/NAME.txt (see core/version.h data_dir()).
std::string shipped_prompt(const std::string& name);

// The chat formats of Llama 2 and Llama 3 chat models, as their Hugging Face chat templates render a conversation
// (with the generation prompt for the assistant's turn): text runs and special tokens, in order.
enum class ChatFormat { Auto, Llama2, Llama3 };  // Auto: the backend picks by its tokenizer's special tokens
struct PromptPiece {
  std::string text;     // encoded with the tokenizer (no BOS), when special is empty
  std::string special;  // a special token by name: "<s>", "</s>", "<|begin_of_text|>", "<|eot_id|>", ...
};
std::vector<PromptPiece> apply_chat_format(ChatFormat format, const std::vector<ChatMessage>& messages);
ChatFormat parse_chat_format(const std::string& name, const std::string& where);  // "auto" | "llama2" | "llama3"

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;
  virtual std::string complete(const std::vector<ChatMessage>& messages) = 0;
  virtual std::string describe() const = 0;  // for logs and headers: "http://127.0.0.1:8080/v1 (model x)"
};

// Any OpenAI-compatible chat-completions server (llama.cpp's server, vLLM, ...). URL is the API base
// ("http://host:port/v1"; /chat/completions is appended unless already there). The key, when needed, comes from
// $GROVE_LLM_API_KEY or $OPENAI_API_KEY. Greedy by default (temperature 0).
struct HttpChatOptions {
  std::string url, model;
  double temperature = 0.0;
  int max_tokens = 512;
  double timeout_s = 300;
};
std::unique_ptr<ChatBackend> make_http_chat(const HttpChatOptions& options);

}  // namespace grove::annotate
