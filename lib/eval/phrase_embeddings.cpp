// See phrase_embeddings.h.
#include "eval/phrase_embeddings.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace grove::eval {

namespace fs = std::filesystem;

std::string find_embed_helper() {
  if (const char* e = std::getenv("GROVE_EMBED"); e && *e) return e;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = self.parent_path() / "grove-embed";
    if (fs::is_regular_file(beside, ec)) return beside.string();
  }
  return "grove-embed";
}

PhraseEmbeddings::PhraseEmbeddings(const std::vector<std::string>& phrases, std::vector<float> data, size_t dim)
    : data_(std::move(data)), dim_(dim) {
  if (data_.size() != phrases.size() * dim) throw Error("phrase embeddings", "rows do not match the phrases");
  norms_.resize(phrases.size());
  for (size_t r = 0; r < phrases.size(); ++r) {
    rows_.emplace(phrases[r], r);
    double s = 0;
    for (size_t i = 0; i < dim; ++i) s += static_cast<double>(data_[r * dim + i]) * data_[r * dim + i];
    norms_[r] = std::sqrt(s);
  }
}

const float* PhraseEmbeddings::find(const std::string& phrase) const {
  auto it = rows_.find(phrase);
  return it == rows_.end() ? nullptr : data_.data() + it->second * dim_;
}

double PhraseEmbeddings::cosine(const std::string& a, const std::string& b) const {
  auto ia = rows_.find(a), ib = rows_.find(b);
  if (ia == rows_.end() || ib == rows_.end())
    throw Error("phrase embeddings", "no embedding for \"" + (ia == rows_.end() ? a : b) + "\"");
  const float* x = data_.data() + ia->second * dim_;
  const float* y = data_.data() + ib->second * dim_;
  double dot = 0;
  for (size_t i = 0; i < dim_; ++i) dot += static_cast<double>(x[i]) * y[i];
  const double n = norms_[ia->second] * norms_[ib->second];
  return n == 0 ? 0.0 : dot / n;  // sklearn's normalize() leaves a zero row at zero
}

PhraseEmbeddings PhraseEmbeddings::compute(const std::vector<std::string>& phrases, const EmbedCommand& c) {
  const std::string& prog = c.program;
  std::vector<std::string> args{prog, "--bert", c.bert_dir, "--json", "--format", "f32", "--batch", std::to_string(c.batch)};
  if (c.threads > 0) {
    args.push_back("--threads");
    args.push_back(std::to_string(c.threads));
  }
  if (c.quiet) args.push_back("--quiet");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0)
    throw Error(prog, std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, prog.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    throw Error(prog, std::string("cannot run the BERT helper: ") + std::strerror(rc) +
                          " (build grove-embed, put it on PATH or name it in GROVE_EMBED)");
  }

  // The phrases go in from a thread while the answer is read here, so neither side can block the other.
  std::string input;
  for (const std::string& p : phrases) input += nlohmann::json(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::thread writer([fd = to_child[1], &input] {
    size_t done = 0;
    while (done < input.size()) {
      const ssize_t n = write(fd, input.data() + done, input.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the helper went away (EPIPE): its exit status says why
      done += static_cast<size_t>(n);
    }
    close(fd);
  });
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(from_child[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(from_child[0]);
  writer.join();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(prog, WIFEXITED(status) ? "the BERT helper failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")"
                                        : "the BERT helper was killed (signal " + std::to_string(WTERMSIG(status)) + ")");

  const size_t eol = out.find('\n');
  std::istringstream head(out.substr(0, eol == std::string::npos ? 0 : eol));
  std::string magic, kind;
  size_t n = 0, dim = 0;
  head >> magic >> kind >> n >> dim;
  if (eol == std::string::npos || magic != "grove-embed" || kind != "f32" || n != phrases.size() ||
      out.size() - eol - 1 != n * dim * sizeof(float))
    throw Error(prog, "unexpected answer from the BERT helper (" + std::to_string(out.size()) + " bytes for " +
                          std::to_string(phrases.size()) + " phrases)");
  std::vector<float> data(n * dim);
  std::memcpy(data.data(), out.data() + eol + 1, data.size() * sizeof(float));
  return PhraseEmbeddings(phrases, std::move(data), dim);
}

}  // namespace grove::eval
