#pragma once

#include "core/tier.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace telclaude::security {

/// A pair of fixed-window limits. 0 leaves that window unlimited; a
/// negative value refuses every request (fail closed; config rejects it).
struct window_limits {
  int per_minute = 0;
  int per_hour = 0;

  friend bool operator==(const window_limits&, const window_limits&) = default;
};

/// The configured limits (`security.rateLimits` and the `rateLimit` of
/// `security.permissions.users[...]`), copied from config by the wiring.
struct rate_limits {
  window_limits global;
  window_limits per_user;
  /// Indexed by tier (read_only, write_safe, full_access); counted per
  /// user, as the reference does.
  std::array<window_limits, 3> per_tier;
  /// Telegram user id -> limits that replace per_user for that user.
  std::map<std::int64_t, window_limits> user_overrides;
};

/// A counting window.
enum class rate_window { minute, hour };

/// 60 s or 3600 s.
std::chrono::milliseconds window_length(rate_window w) noexcept;

/// The start of the fixed window holding `now_ms`, in ms since the epoch.
long long window_start_ms(rate_window w, long long now_ms) noexcept;

/// One counter the limiter must check and then increment, all of them in
/// one transaction (check every one first; increment only if all pass).
struct limit_to_acquire {
  /// The counter's key: "global", "user:<id>", "tier:<TIER>:user:<id>".
  std::string key;
  rate_window window = rate_window::minute;
  /// Requests allowed in one window (0 refuses all).
  int max = 0;

  friend bool operator==(const limit_to_acquire&,
                         const limit_to_acquire&) = default;
};

/// The counters one request of `user_id` at tier `t` must pass: global,
/// the user's (their override replaces per_user), and the user's counter
/// of the tier; minute before hour, unlimited windows left out.
std::vector<limit_to_acquire> limits_for(const rate_limits& limits,
                                         std::int64_t user_id,
                                         telclaude::tier t);

/// The time until the window of `limit` that holds `now_ms` ends.
std::chrono::milliseconds retry_after(const limit_to_acquire& limit,
                                      long long now_ms) noexcept;

/// "Too many requests. Try again in 42 seconds." Under a minute (after
/// rounding up to whole seconds, at least 1): seconds; else whole minutes
/// rounded up ("1 minute", "12 minutes").
std::string retry_message(std::chrono::milliseconds retry_after);

/// What the limiter answered (storage runs the counters).
enum class rate_status {
  not_checked,    // the limiter was not asked: refused (fail closed)
  allowed,
  limited,        // retry_after says when
  storage_error,  // the limiter could not answer: refused
};

/// The limiter's answer for one request.
struct rate_result {
  rate_status status = rate_status::not_checked;
  std::chrono::milliseconds retry_after{0};
};

/// The stateful part, implemented by storage: checks every limit, and
/// only if all pass increments all of them, atomically. Must not throw:
/// a failure is rate_status::storage_error.
class rate_limiter {
public:
  virtual ~rate_limiter() = default;

  /// The answer for `limits` at `now_ms`.
  virtual rate_result try_acquire(const std::vector<limit_to_acquire>& limits,
                                  long long now_ms) noexcept = 0;
};

} // namespace telclaude::security
