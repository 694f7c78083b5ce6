#include "cli/tool.h"

#include <csignal>
#include <cstdio>
#include <iostream>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/version.h"

namespace grove::cli {

namespace {
std::string g_program = "grove";
bool g_quiet = false;

void say(const char* kind, const std::string& where, const std::string& message) {
  std::string line = g_program + ": " + kind + (where.empty() ? "" : where + ": ") + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}
}  // namespace

const std::string& program() { return g_program; }
bool quiet() { return g_quiet; }

void error(const std::string& where, const std::string& message) { say("error: ", where, message); }
void warning(const std::string& where, const std::string& message) {
  if (!g_quiet) say("warning: ", where, message);
}
void info(const std::string& message) {
  if (!g_quiet) say("", "", message);
}

Tool::Tool(std::string name, std::string description) : app_(std::move(description), name) {
  g_program = name;
  app_.set_help_flag("-h,--help", "Print this help and exit");
  app_.add_flag_callback(
      "--version",
      [this, name] {
        std::cout << name << " " << grove::version() << "\n" << grove::build_info() << "\n";
        if (runtime_info_) std::cout << "running " << runtime_info_() << "\n";
        throw CLI::Success();
      },
      "Print the version and the libraries grove was built with, and exit");
  app_.add_option("--threads", threads_, "Threads for compute (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->default_val(0);
  app_.add_flag("-q,--quiet", quiet_, "No progress bar, summary or warnings; errors are still printed");
  app_.fallthrough();  // subcommands (grove-convert's verbs) accept these options too
}

CLI::Option* Tool::add_output(CLI::App& app, std::string& path, const std::string& what) {
  path = "-";
  return app.add_option("-o,--output", path, "Write the " + what + " to FILE ('-': stdout; '.zst': compressed)")
      ->type_name("FILE")
      ->default_str("-");
}

int Tool::run(int argc, char** argv, const std::function<int()>& body) {
  // A closed stdout must surface as EPIPE (handled below), not kill the process mid-write.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    app_.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help prints here; --version has printed already
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    error("", std::string(e.what()) + " (see " + g_program + " --help)");
    return kFatal;
  }
  g_quiet = quiet_;
  grove::install_interrupt_handlers();
  try {
    if (setup_runtime_) setup_runtime_(threads_);
    return body();
  } catch (const grove::BrokenPipe&) {
    return 128 + SIGPIPE;
  } catch (const grove::Interrupted& e) {
    error("", "interrupted by " + grove::signal_name(e.signal()) +
                  ": stopped between records; outputs left as they were (--resume continues where supported)");
    return 128 + e.signal();
  } catch (const grove::Error& e) {
    error(e.where(), e.message());
  } catch (const CLI::ParseError& e) {  // validation done by the body itself
    error("", std::string(e.what()) + " (see " + g_program + " --help)");
  } catch (const std::bad_alloc&) {
    error("", "out of memory");
  } catch (const std::exception& e) {
    // One line: libraries' messages (LibTorch's) may carry a backtrace after the first.
    const std::string what = e.what();
    error("", what.substr(0, what.find('\n')));
  }
  return kFatal;
}

void Tool::record_failed(const std::string& where, const std::string& message) {
  ++failures_;
  error(where, message);
}

void Tool::summary(const std::string& text) const {
  if (g_quiet) return;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char t[32];
  std::snprintf(t, sizeof t, " (%.1f s)", s);
  info(text + t);
}

std::pair<int, int> parse_shard(const std::string& text) {
  int i = -1, n = 0;
  char extra;
  if (std::sscanf(text.c_str(), "%d/%d%c", &i, &n, &extra) != 2 || n < 1 || i < 0 || i >= n) {
    throw CLI::ValidationError("--shard", "expected i/n with 0 <= i < n, got '" + text + "'");
  }
  return {i, n};
}

}  // namespace grove::cli
