#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "core/clock.hpp"

namespace telclaude::totp {

/// How many wrong codes in a row lock a user out, and for how long.
struct lockout_policy {
  int max_failures = 5;
  std::chrono::seconds lockout{300};
};

/// The brute-force guard: counts each user's wrong codes in a row and
/// locks the user out for a while after too many. Kept in memory only:
/// a restart of the daemon (which the agent cannot cause) clears it.
/// Time comes from the injected clock.
class guard {
public:
  guard(lockout_policy policy, const telclaude::clock& clock);

  /// How long `user` must still wait, or nullopt when not locked out.
  /// A lockout that has run out is cleared here.
  std::optional<std::chrono::seconds> locked(std::int64_t user);

  /// Counts a wrong code; the max_failures-th in a row starts a lockout.
  void record_failure(std::int64_t user);

  /// A right code: the count starts again.
  void record_success(std::int64_t user);

  /// Whether a code of `step` is a replay: only steps after the last
  /// accepted one are accepted, so a code (or an older one still inside
  /// the drift window) works once.
  static bool replayed(std::optional<std::uint64_t> last_accepted,
                       std::uint64_t step) {
    return last_accepted && step <= *last_accepted;
  }

private:
  struct record {
    int failures = 0;
    std::optional<telclaude::clock::time_point> locked_until;
  };

  lockout_policy policy_;
  const telclaude::clock& clock_;
  std::map<std::int64_t, record> users_;
};

} // namespace telclaude::totp
