#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace telclaude::telegram {

/// The `reconnect` settings: `{ "initialMs": 1000, "maxMs": 60000,
/// "factor": 2.0, "jitter": 0.3, "maxAttempts": 0 }`.
struct reconnect_settings {
  std::int64_t initial_ms = 1000;
  std::int64_t max_ms = 60000;
  double factor = 2.0;
  /// Each delay is drawn from [d * (1 - jitter), d * (1 + jitter)], then
  /// capped at `max_ms`.
  double jitter = 0.3;
  /// Retries allowed before giving up; 0 = unlimited.
  std::uint32_t max_attempts = 0;
};

/// Exponential backoff between reconnect attempts.
///
/// The n-th delay (from 0) is `min(initial * factor^n, max)` with jitter.
/// Randomness is injected: `random` returns a value in [0, 1).
class reconnect_backoff {
public:
  reconnect_backoff(reconnect_settings settings,
                    std::function<double()> random);

  /// The delay before the next attempt; nullopt once `max_attempts`
  /// attempts were handed out.
  std::optional<std::chrono::milliseconds> next();

  /// Starts over after a success.
  void reset() {
    attempts_ = 0;
  }

  /// Delays handed out since the last reset.
  std::uint32_t attempts() const {
    return attempts_;
  }

private:
  reconnect_settings settings_;
  std::function<double()> random_;
  std::uint32_t attempts_ = 0;
};

/// How long to wait before the next getUpdates after one that came back
/// empty after `elapsed`: a server answering empty polls at once (ignoring
/// `timeout`) must not make the poller spin. Zero when the poll was held
/// at least `min_interval`, as a real long poll is.
std::chrono::milliseconds
pause_after_empty_poll(std::chrono::milliseconds elapsed,
                       std::chrono::milliseconds min_interval =
                         std::chrono::seconds{1});

} // namespace telclaude::telegram
