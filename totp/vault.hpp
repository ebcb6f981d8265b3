#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "totp/guard.hpp"
#include "totp/vault_file.hpp"

namespace telclaude::totp {

/// Why a code was accepted or not; the protocol's `reason` words.
enum class verdict { ok, wrong, replayed, locked, not_enrolled };

/// The protocol word for `v`: "ok", "wrong", "replayed", "locked",
/// "not_enrolled".
std::string_view to_string(verdict v);

/// The answer to a code (verify or disable).
struct check_result {
  verdict reason = verdict::wrong;
  /// Seconds until a locked-out user may try again (only when locked).
  std::optional<std::int64_t> retry_after_s;

  bool valid() const {
    return reason == verdict::ok;
  }
};

/// Whether a user has 2FA on, or a set-up waiting for its first code.
struct enrollment_status {
  bool enabled = false;
  bool pending = false;
};

/// The secrets and the rules over them: set-up, verification with replay
/// refusal and lockout, disabling. Every change is handed to `persist`
/// (the whole list) before it takes effect, so a failed write leaves the
/// vault as it was and the caller sees the exception. Not thread-safe: one
/// owner (the totp_vault actor).
class vault {
public:
  using persist_fn = std::function<void(const std::vector<enrollment>&)>;

  vault(std::vector<enrollment> entries, persist_fn persist,
        const telclaude::clock& clock, lockout_policy policy = {});

  enrollment_status status(std::int64_t user) const;

  /// A new pending secret for `user` (replacing an earlier pending one)
  /// and its otpauth URI; nullopt when 2FA is already enabled.
  std::optional<std::string> setup(std::int64_t user, std::string_view account,
                                   std::string_view issuer);

  /// Checks `code`; a valid code on a pending set-up enables it.
  check_result verify(std::int64_t user, std::string_view code);

  /// Checks `code`; a valid one removes the user's secret.
  check_result disable(std::int64_t user, std::string_view code);

private:
  enum class on_success { enable, remove };

  check_result check(std::int64_t user, std::string_view code, on_success then);
  std::vector<enrollment>::iterator find(std::int64_t user);
  void commit(std::vector<enrollment> next);

  std::vector<enrollment> entries_;
  persist_fn persist_;
  const telclaude::clock& clock_;
  guard guard_;
};

} // namespace telclaude::totp
