// SIGINT and SIGTERM. The first one asks the tool to stop at its next safe point — between records, clips or
// training steps — where nothing half-done is left behind: outputs stay as they were (temporary files removed),
// --resume journals keep every finished record, grove-train checkpoints. The tool then exits 130 (SIGINT) or 143
// (SIGTERM). A second signal ends the process at once with that status.
#pragma once
#include <exception>
#include <string>

namespace grove {

// Thrown at a safe point after a signal; grove::cli::Tool turns it into one line and exit 128 + signal.
class Interrupted : public std::exception {
 public:
  explicit Interrupted(int signal) : signal_(signal) {}
  int signal() const { return signal_; }
  const char* what() const noexcept override { return "interrupted"; }

 private:
  int signal_;
};

// Installs the handlers (Tool::run does, before a tool's body runs).
void install_interrupt_handlers();
// The signal received (SIGINT or SIGTERM), or 0.
int interrupt_signal();
// Throws Interrupted when a signal has arrived.
void throw_if_interrupted();
// "SIGINT", "SIGTERM".
std::string signal_name(int signal);

}  // namespace grove
