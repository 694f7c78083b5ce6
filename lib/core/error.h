// grove::Error — the one exception type the library throws for bad input or a failed operation. It names the
// thing at fault (a file, a record id, an option) apart from the message, so every tool prints the same line:
//   grove-NAME: error: WHERE: MESSAGE
#pragma once
#include <stdexcept>
#include <string>

namespace grove {

class Error : public std::runtime_error {
 public:
  Error(std::string where, std::string message)
      : std::runtime_error(where.empty() ? message : where + ": " + message),
        where_(std::move(where)),
        message_(std::move(message)) {}

  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  std::string where_;
  std::string message_;
};

// Thrown when the reader of our standard output has gone away (EPIPE): tools stop quietly, as `cat` does.
class BrokenPipe : public std::exception {
 public:
  const char* what() const noexcept override { return "broken pipe"; }
};

}  // namespace grove
