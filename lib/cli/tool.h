// The conventions every grove executable shares, in one place: CLI11 parsing with --help, --version, --threads
// and --quiet; "-" for stdin/stdout; one-line messages "grove-NAME: error: WHERE: WHAT"; exit codes 0 (ok),
// 1 (some records failed, the rest were written), 2 (usage or fatal error); a quiet stop when the reader of
// stdout goes away; a summary line on stderr at the end. cmd/grove-NAME.cpp builds a Tool and calls run().
#pragma once
#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace grove::cli {

enum ExitCode : int { kOk = 0, kSomeFailed = 1, kFatal = 2 };

// The running tool's name ("grove-decode"); "grove" before a Tool exists.
const std::string& program();
// --quiet: no progress, no summary, no warnings.
bool quiet();

// "grove-NAME: error: WHERE: MESSAGE" on stderr (WHERE may be empty).
void error(const std::string& where, const std::string& message);
// "grove-NAME: warning: WHERE: MESSAGE", unless --quiet.
void warning(const std::string& where, const std::string& message);
// "grove-NAME: MESSAGE", unless --quiet.
void info(const std::string& message);

class Tool {
 public:
  Tool(std::string name, std::string description);

  CLI::App& app() { return app_; }
  int threads() const { return threads_; }

  // For tools that load LibTorch (libgrove-torch): a line about the runtime for --version, and the function that
  // sets it up (with --threads) before the body runs. libgrove itself never loads LibTorch.
  void use_runtime(std::string (*info)(), void (*setup)(int threads)) {
    runtime_info_ = info;
    setup_runtime_ = setup;
  }

  // Adds "-o,--output FILE" (default "-", stdout) to app or one of its subcommands.
  static CLI::Option* add_output(CLI::App& app, std::string& path, const std::string& what = "output stream");

  // Parses the command line, then runs body and returns the exit code to give main(). grove::Error and other
  // exceptions become one error line and exit 2; a usage error names the option and exits 2; a broken stdout
  // pipe ends the run quietly with status 141, as a process killed by SIGPIPE would.
  int run(int argc, char** argv, const std::function<int()>& body);

  // A record that failed: prints its line and makes the run end with exit code 1.
  void record_failed(const std::string& where, const std::string& message);
  size_t failures() const { return failures_; }
  // 1 when some record failed, else 0.
  int status() const { return failures_ ? kSomeFailed : kOk; }

  // Prints "grove-NAME: TEXT (N.N s)" unless --quiet.
  void summary(const std::string& text) const;

 private:
  CLI::App app_;
  int threads_ = 0;
  bool quiet_ = false;
  size_t failures_ = 0;
  std::string (*runtime_info_)() = nullptr;
  void (*setup_runtime_)(int) = nullptr;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Parses "i/n" (0-based shard i of n) as given to --shard; throws CLI::ValidationError on bad text.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace grove::cli
