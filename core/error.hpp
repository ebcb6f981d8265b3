#pragma once

#include <stdexcept>
#include <string>

namespace telclaude {

/// An error a user (or operator) can cause: a stable code listed in
/// docs/errors.md and a message saying what was wrong, where, and what to
/// do. Never carries a secret value.
class user_error : public std::runtime_error {
public:
  user_error(std::string code, const std::string& message)
    : std::runtime_error(message), code_(std::move(code)) {
  }

  /// The stable code, e.g. "config.type".
  const std::string& code() const noexcept {
    return code_;
  }

private:
  std::string code_;
};

/// Thrown by a subcommand to end the process with `code` after cleaning
/// up (main() catches it).
struct exit_request {
  int code = 0;
};

/// Process exit codes shared by every subcommand.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failure = 1;      // runtime failure, or a finding
inline constexpr int usage = 2;        // bad config, flags or input
inline constexpr int unavailable = 3;  // a required part is missing
} // namespace exit_code

} // namespace telclaude
