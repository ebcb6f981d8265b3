#pragma once

#include <atomic>
#include <chrono>

namespace telclaude {

/// Wall-clock time as the logic sees it: injected, never read directly.
/// Logic that needs "now" takes a `const clock&` (or a time_point argument)
/// so windows, TTLs and backoff are tested without sleeping.
class clock {
public:
  using time_point = std::chrono::system_clock::time_point;
  using duration = std::chrono::system_clock::duration;

  virtual ~clock() = default;

  /// The current time.
  virtual time_point now() const = 0;
};

/// The real wall clock.
class system_clock final : public clock {
public:
  time_point now() const override {
    return std::chrono::system_clock::now();
  }

  /// A process-wide instance for production wiring.
  static const system_clock& instance() {
    static const system_clock c;
    return c;
  }
};

/// A clock that only moves when told to; for tests.
class manual_clock final : public clock {
public:
  explicit manual_clock(time_point start = time_point{std::chrono::hours{
                          24 * 365 * 50}})
    : now_(start.time_since_epoch().count()) {
  }

  time_point now() const override {
    return time_point{duration{now_.load()}};
  }

  /// Moves the clock forward by `d`.
  void advance(duration d) {
    now_ += d.count();
  }

  /// Sets the clock to `t`.
  void set(time_point t) {
    now_ = t.time_since_epoch().count();
  }

private:
  std::atomic<duration::rep> now_;
};

/// Milliseconds since the Unix epoch, the unit stored in SQLite.
inline long long to_unix_ms(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           t.time_since_epoch())
    .count();
}

/// The inverse of to_unix_ms.
inline clock::time_point from_unix_ms(long long ms) {
  return clock::time_point{std::chrono::milliseconds{ms}};
}

} // namespace telclaude
