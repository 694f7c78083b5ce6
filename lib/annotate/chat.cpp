// See chat.h. The HTTP backend uses libcurl (HTTPS, proxies from the environment, timeouts) and nlohmann::json.
#include "annotate/chat.h"

#include <stdexcept>
#include <curl/curl.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/strings.h"
#include "core/version.h"

namespace grove::annotate {

PromptTemplate PromptTemplate::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot read the prompt file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

PromptTemplate PromptTemplate::parse(const std::string& text, const std::string& where) {
  PromptTemplate t;
  t.where_ = where;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("%%", 0) == 0) continue;
    if (!line.empty() && line[0] == '@') {
      const std::string role = strip(line.substr(1));
      if (role != "system" && role != "user" && role != "assistant")
        throw Error(where, "line " + std::to_string(n) + ": unknown role \"" + role + "\" (system, user or assistant)");
      t.messages_.push_back({role, ""});
      continue;
    }
    if (t.messages_.empty()) {
      if (strip(line).empty()) continue;
      throw Error(where, "line " + std::to_string(n) + ": text before the first @system/@user line");
    }
    t.messages_.back().content += line + "\n";
  }
  for (auto& m : t.messages_) m.content = strip(m.content);
  if (t.messages_.empty() || t.messages_.back().role != "user")
    throw Error(where, "a prompt must end with a @user message");
  return t;
}

std::vector<ChatMessage> PromptTemplate::fill(const std::map<std::string, std::string>& values) const {
  std::set<std::string> used;
  std::vector<ChatMessage> out = messages_;
  for (auto& m : out) {
    std::string s;
    size_t i = 0;
    while (true) {
      const size_t open = m.content.find("{{", i);
      if (open == std::string::npos) break;
      const size_t close = m.content.find("}}", open + 2);
      if (close == std::string::npos) break;
      const std::string name = strip(m.content.substr(open + 2, close - open - 2));
      auto v = values.find(name);
      if (v == values.end()) throw Error(where_, "unknown placeholder {{" + name + "}}");
      s += m.content.substr(i, open - i) + v->second;
      used.insert(name);
      i = close + 2;
    }
    m.content = s + m.content.substr(i);
  }
  for (const auto& [name, value] : values)
    if (!used.count(name)) throw Error(where_, "the prompt never uses {{" + name + "}}");
  return out;
}

std::string shipped_prompt(const std::string& name) { return data_dir() + "/prompts/" + name + ".txt"; }

ChatFormat parse_chat_format(const std::string& name, const std::string& where) {
  if (name == "auto") return ChatFormat::Auto;
  if (name == "llama2") return ChatFormat::Llama2;
  if (name == "llama3") return ChatFormat::Llama3;
  throw Error(where, "'" + name + "' is not a chat format (auto, llama2 or llama3)");
}

std::vector<PromptPiece> apply_chat_format(ChatFormat format, const std::vector<ChatMessage>& messages) {
  if (format == ChatFormat::Auto) throw std::logic_error("apply_chat_format: the backend resolves ChatFormat::Auto");
  std::vector<PromptPiece> out;
  if (format == ChatFormat::Llama3) {
    out.push_back({"", "<|begin_of_text|>"});
    for (const auto& m : messages) {
      out.push_back({"", "<|start_header_id|>"});
      out.push_back({m.role, ""});
      out.push_back({"", "<|end_header_id|>"});
      out.push_back({"\n\n" + strip(m.content), ""});
      out.push_back({"", "<|eot_id|>"});
    }
    out.push_back({"", "<|start_header_id|>"});
    out.push_back({"assistant", ""});
    out.push_back({"", "<|end_header_id|>"});
    out.push_back({"\n\n", ""});
    return out;
  }
  // Llama 2: the system message goes inside the first [INST] block.
  std::string system;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") system = messages[0].content, first = 1;
  for (size_t i = first; i < messages.size(); ++i) {
    std::string content = messages[i].content;
    if (i == first && !system.empty()) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
    if (messages[i].role == "user") {
      out.push_back({"", "<s>"});
      out.push_back({"[INST] " + strip(content) + " [/INST]", ""});
    } else {
      out.push_back({" " + strip(content) + " ", ""});
      out.push_back({"", "</s>"});
    }
  }
  return out;
}

namespace {

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

class HttpChat : public ChatBackend {
 public:
  explicit HttpChat(HttpChatOptions o) : o_(std::move(o)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    endpoint_ = o_.url;
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    const std::string tail = "/chat/completions";
    if (endpoint_.size() < tail.size() || endpoint_.compare(endpoint_.size() - tail.size(), tail.size(), tail) != 0)
      endpoint_ += tail;
    for (const char* var : {"GROVE_LLM_API_KEY", "OPENAI_API_KEY"})
      if (const char* k = std::getenv(var); k && *k && key_.empty()) key_ = k;
  }

  std::string describe() const override { return endpoint_ + (o_.model.empty() ? "" : " (model " + o_.model + ")"); }

  std::string complete(const std::vector<ChatMessage>& messages) override {
    nlohmann::json body = {{"messages", nlohmann::json::array()}, {"temperature", o_.temperature},
                           {"max_tokens", o_.max_tokens}, {"stream", false}};
    if (!o_.model.empty()) body["model"] = o_.model;
    for (const auto& m : messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
    const std::string payload = body.dump();

    CURL* curl = curl_easy_init();
    if (!curl) throw Error(endpoint_, "cannot start libcurl");
    std::string reply;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    if (!key_.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + key_).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, endpoint_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_s * 1000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw Error(endpoint_, std::string("request failed: ") + curl_easy_strerror(rc));
    auto excerpt = [](const std::string& s) { return s.size() > 200 ? s.substr(0, 200) + "..." : s; };
    if (status != 200) throw Error(endpoint_, "HTTP " + std::to_string(status) + ": " + excerpt(reply));
    nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(endpoint_, "the reply is not JSON: " + excerpt(reply));
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
      throw Error(endpoint_, "the reply has no choices: " + excerpt(reply));
    const auto& choice = (*choices)[0];
    auto msg = choice.find("message");
    if (msg == choice.end() || !msg->is_object() || !msg->contains("content") || !(*msg)["content"].is_string())
      throw Error(endpoint_, "the reply's first choice has no message content: " + excerpt(reply));
    return (*msg)["content"].get<std::string>();
  }

 private:
  HttpChatOptions o_;
  std::string endpoint_, key_;
};

}  // namespace

std::unique_ptr<ChatBackend> make_http_chat(const HttpChatOptions& options) {
  return std::make_unique<HttpChat>(options);
}

}  // namespace grove::annotate
