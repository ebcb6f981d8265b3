#include "security/circuit_breaker.hpp"

#include <algorithm>

namespace telclaude::security {

std::string_view to_string(breaker_state s) noexcept {
  switch (s) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "open";
}

circuit_breaker::circuit_breaker(int failure_threshold,
                                 std::chrono::milliseconds reset)
  : threshold_(std::max(1, failure_threshold)), reset_(reset) {
}

breaker_transition circuit_breaker::move_to(breaker_state to,
                                            time_point now) {
  breaker_transition t{state_, to};
  state_ = to;
  switch (to) {
  case breaker_state::open:
    open_until_ = now + reset_;
    probe_running_ = false;
    ++counters_.opened;
    break;
  case breaker_state::half_open:
    probe_running_ = true;
    ++counters_.half_opened;
    break;
  case breaker_state::closed:
    failures_ = 0;
    probe_running_ = false;
    ++counters_.closed;
    break;
  }
  return t;
}

breaker_admission circuit_breaker::admit(
  time_point now, std::optional<breaker_transition>* changed) {
  switch (state_) {
  case breaker_state::closed:
    ++counters_.calls;
    return breaker_admission::call;
  case breaker_state::open:
    if (now >= open_until_) {
      auto t = move_to(breaker_state::half_open, now);
      if (changed)
        *changed = t;
      ++counters_.calls;
      return breaker_admission::probe;
    }
    break;
  case breaker_state::half_open:
    break;
  }
  ++counters_.fallbacks;
  return breaker_admission::fallback;
}

std::optional<breaker_transition>
circuit_breaker::record(bool success, time_point now, bool was_probe) {
  success ? ++counters_.successes : ++counters_.failures;
  if (was_probe) {
    if (state_ != breaker_state::half_open)
      return std::nullopt;
    return move_to(success ? breaker_state::closed : breaker_state::open,
                   now);
  }
  if (state_ != breaker_state::closed)
    return std::nullopt;  // a straggler from before it opened
  if (success) {
    failures_ = 0;
    return std::nullopt;
  }
  if (++failures_ >= threshold_)
    return move_to(breaker_state::open, now);
  return std::nullopt;
}

} // namespace telclaude::security
