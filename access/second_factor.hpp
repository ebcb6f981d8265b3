#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace telclaude::access {

/// A user's 2FA as the vault knows it.
enum class factor_state { not_enrolled, pending, enabled };

/// The vault's answer to a code.
enum class code_verdict { ok, wrong, replayed, locked, not_enrolled };

/// An answer from the vault, or why there is none.
struct factor_error {
  /// "unavailable" (no daemon, no answer in time), or the vault's own
  /// refusal ("already_enabled", ...).
  std::string code;
  std::string message;
};

struct status_answer {
  std::optional<factor_state> state;  // nullopt: see error
  factor_error error;
};

struct setup_answer {
  /// The otpauth:// URI of a new pending secret (shown once, as a QR
  /// code); nullopt: see error.
  std::optional<std::string> uri;
  factor_error error;
};

struct code_answer {
  std::optional<code_verdict> verdict;  // nullopt: see error
  /// With `locked`: seconds until the next try.
  std::int64_t retry_after_s = 0;
  factor_error error;
};

/// The TOTP vault seen from the gatekeeper: the relay never holds a
/// secret, it only asks. Implementations must not throw for the vault's
/// absence: that is an error with code "unavailable" (fail closed).
class second_factor {
public:
  virtual ~second_factor() = default;
  virtual status_answer status(std::int64_t user) = 0;
  virtual setup_answer setup(std::int64_t user) = 0;
  virtual code_answer verify(std::int64_t user, std::string_view code) = 0;
  virtual code_answer disable(std::int64_t user, std::string_view code) = 0;
};

} // namespace telclaude::access
