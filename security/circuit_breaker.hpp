#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace telclaude::security {

/// The breaker's state.
enum class breaker_state { closed, open, half_open };

/// "closed", "open", "half_open".
std::string_view to_string(breaker_state s) noexcept;

/// A change of state, for the log, the audit trail and the counters.
struct breaker_transition {
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
};

/// What the breaker says to one request.
enum class breaker_admission {
  call,      ///< make the call (closed)
  probe,     ///< make the call: it is the one half-open probe
  fallback,  ///< no call: answer with the fallback at once
};

/// Counters the breaker keeps (since it was made).
struct breaker_counters {
  std::uint64_t calls = 0;       ///< admitted calls (probes included)
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint64_t fallbacks = 0;   ///< requests answered without a call
  std::uint64_t opened = 0;      ///< transitions to open
  std::uint64_t half_opened = 0;
  std::uint64_t closed = 0;      ///< transitions back to closed
};

/// The circuit breaker around the observer's classifier calls, as a pure
/// state machine with the time passed in. Closed: every request calls;
/// `failure_threshold` consecutive failures open it. Open: for `reset`
/// every request gets the fallback with no call; the first request after
/// that is the one probe (half-open) and every request while the probe
/// runs gets the fallback. The probe's success closes it, its failure
/// opens it again for another `reset`.
class circuit_breaker {
public:
  using time_point = std::chrono::steady_clock::time_point;

  circuit_breaker(int failure_threshold, std::chrono::milliseconds reset);

  /// Whether a request arriving at `now` may call the classifier. A
  /// transition (open -> half_open) is reported through `changed`.
  breaker_admission admit(time_point now,
                          std::optional<breaker_transition>* changed
                          = nullptr);

  /// The outcome of a call admit() allowed; returns the transition it
  /// caused, if any. A result for a call made before the breaker opened
  /// (closed-state stragglers) does not close an open breaker.
  std::optional<breaker_transition> record(bool success, time_point now,
                                           bool was_probe);

  breaker_state state() const noexcept {
    return state_;
  }
  int consecutive_failures() const noexcept {
    return failures_;
  }
  const breaker_counters& counters() const noexcept {
    return counters_;
  }
  /// When an open breaker lets its probe through.
  time_point open_until() const noexcept {
    return open_until_;
  }

private:
  breaker_transition move_to(breaker_state to, time_point now);

  int threshold_;
  std::chrono::milliseconds reset_;
  breaker_state state_ = breaker_state::closed;
  int failures_ = 0;
  bool probe_running_ = false;
  time_point open_until_{};
  breaker_counters counters_;
};

} // namespace telclaude::security
