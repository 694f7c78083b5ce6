#include "core/interrupt.h"

#include <unistd.h>

#include <csignal>

namespace grove {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int s) {
  if (g_signal) ::_exit(128 + s);  // the second one: now
  g_signal = s;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking reads and waits carry on; the tool stops at its next safe point
  for (int s : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    sigaction(s, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // ignored by whoever started us (nohup, a shell's background job)
    sigaction(s, &sa, nullptr);
  }
}

int interrupt_signal() { return g_signal; }

void throw_if_interrupted() {
  if (g_signal) throw Interrupted(g_signal);
}

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace grove
