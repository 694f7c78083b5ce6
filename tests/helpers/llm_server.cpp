// grove-test-llm-server: an OpenAI-compatible chat-completions server on loopback that answers from a script, so
// grove-annotate's HTTP backend is tested against a real server over a real socket (tests/bats/annotate.bats).
//
//   grove-test-llm-server SCRIPT.json PORT_FILE LOG_FILE
//
// It binds 127.0.0.1 on a free port and writes the port to PORT_FILE. SCRIPT holds {"rules": [{"match": TEXT,
// "answers": [...]}, ...]}: a request is answered by the first rule whose TEXT occurs in its messages; the rule's
// answers are given in turn, the last one repeated. Special answers: "@label-first" labels every "- phrase" line
// after "Frame phrases:" with the first phrase after "Video-level phrases:"; "@http500" answers HTTP 500; "@hang"
// never answers. Each request appends "RULE<tab>ANSWER-INDEX<tab>first 60 characters of the last message" to
// LOG_FILE. A request no rule matches gets HTTP 404.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace {

std::vector<std::string> list_after(const std::string& text, const std::string& heading) {
  std::vector<std::string> out;
  const size_t at = text.rfind(heading);
  if (at == std::string::npos) return out;
  std::istringstream in(text.substr(at + heading.size()));
  std::string line;
  std::getline(in, line);  // the rest of the heading line
  while (std::getline(in, line) && line.rfind("- ", 0) == 0) out.push_back(line.substr(2));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: grove-test-llm-server SCRIPT.json PORT_FILE LOG_FILE\n";
    return 2;
  }
  std::ifstream sf(argv[1]);
  const nlohmann::json script = nlohmann::json::parse(sf, nullptr, false);
  if (script.is_discarded() || !script.contains("rules")) {
    std::cerr << argv[1] << ": not a script\n";
    return 2;
  }
  const std::string log_path = argv[3];
  std::mutex mu;
  std::map<size_t, size_t> used;  // rule -> answers given

  httplib::Server server;
  server.Post(R"(.*/chat/completions)", [&](const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.contains("messages")) {
      res.status = 400;
      res.set_content(R"({"error": "bad request"})", "application/json");
      return;
    }
    std::string all, last;
    for (const auto& m : body["messages"]) {
      last = m.value("content", std::string());
      all += last + "\n";
    }
    std::string answer;
    size_t rule = 0, index = 0;
    bool found = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (; rule < script["rules"].size(); ++rule) {
        const auto& r = script["rules"][rule];
        if (all.find(r.value("match", std::string())) == std::string::npos) continue;
        const auto& answers = r["answers"];
        index = std::min(used[rule]++, answers.size() - 1);
        answer = answers[index].get<std::string>();
        found = true;
        break;
      }
      std::string excerpt = last.substr(0, 60);
      for (char& c : excerpt)
        if (c == '\n' || c == '\t') c = ' ';
      std::ofstream log(log_path, std::ios::app);
      log << (found ? std::to_string(rule) : "-") << '\t' << index << '\t' << excerpt << '\n';
    }
    if (!found) {
      res.status = 404;
      res.set_content(R"({"error": "no rule matches"})", "application/json");
      return;
    }
    if (answer == "@hang") {
      std::this_thread::sleep_for(std::chrono::hours(1));
      return;
    }
    if (answer == "@http500") {
      res.status = 500;
      res.set_content(R"({"error": "scripted failure"})", "application/json");
      return;
    }
    if (answer == "@label-first") {
      const auto video = list_after(all, "Video-level phrases:");
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& p : list_after(all, "Frame phrases:")) labels[p] = video.empty() ? "None" : video.front();
      answer = labels.dump();
    }
    const nlohmann::json reply = {
        {"id", "chatcmpl-test"},
        {"object", "chat.completion"},
        {"model", body.value("model", std::string("test"))},
        {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", answer}}}, {"finish_reason", "stop"}}}}};
    res.set_content(reply.dump(), "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "cannot bind 127.0.0.1\n";
    return 1;
  }
  {
    const std::string tmp = std::string(argv[2]) + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), argv[2]);
  }
  server.listen_after_bind();
  return 0;
}
