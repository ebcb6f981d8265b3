#include "telegram/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace telclaude::telegram {

reconnect_backoff::reconnect_backoff(reconnect_settings settings,
                                     std::function<double()> random)
  : settings_(settings), random_(std::move(random)) {
}

std::optional<std::chrono::milliseconds> reconnect_backoff::next() {
  if (settings_.max_attempts != 0 && attempts_ >= settings_.max_attempts)
    return std::nullopt;
  const double max = static_cast<double>(std::max<std::int64_t>(
    settings_.max_ms, 0));
  // Past the cap the power only grows; stop computing it there.
  const double grown =
    static_cast<double>(settings_.initial_ms) *
    std::pow(std::max(settings_.factor, 1.0),
             static_cast<double>(std::min<std::uint32_t>(attempts_, 64)));
  const double base = std::min(grown, max);
  const double jitter = std::clamp(settings_.jitter, 0.0, 1.0);
  const double r = std::clamp(random_(), 0.0, 1.0);
  const double delay =
    std::clamp(base * (1.0 + jitter * (2.0 * r - 1.0)), 0.0, max);
  ++attempts_;
  return std::chrono::milliseconds{static_cast<std::int64_t>(delay)};
}

std::chrono::milliseconds
pause_after_empty_poll(std::chrono::milliseconds elapsed,
                       std::chrono::milliseconds min_interval) {
  return elapsed >= min_interval ? std::chrono::milliseconds{0}
                                 : min_interval - elapsed;
}

} // namespace telclaude::telegram
