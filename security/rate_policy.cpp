#include "security/rate_policy.hpp"

#include <algorithm>

namespace telclaude::security {

namespace {

void add(std::vector<limit_to_acquire>& out, const std::string& key,
         const window_limits& w) {
  if (w.per_minute != 0)
    out.push_back({key, rate_window::minute, std::max(w.per_minute, 0)});
  if (w.per_hour != 0)
    out.push_back({key, rate_window::hour, std::max(w.per_hour, 0)});
}

} // namespace

std::chrono::milliseconds window_length(rate_window w) noexcept {
  return w == rate_window::minute ? std::chrono::milliseconds{60'000}
                                  : std::chrono::milliseconds{3'600'000};
}

long long window_start_ms(rate_window w, long long now_ms) noexcept {
  const long long len = window_length(w).count();
  const long long q = now_ms / len;
  return (now_ms % len < 0 ? q - 1 : q) * len;
}

std::vector<limit_to_acquire> limits_for(const rate_limits& limits,
                                         std::int64_t user_id,
                                         telclaude::tier t) {
  std::vector<limit_to_acquire> out;
  const std::string user = "user:" + std::to_string(user_id);
  add(out, "global", limits.global);
  const auto over = limits.user_overrides.find(user_id);
  add(out, user,
      over == limits.user_overrides.end() ? limits.per_user : over->second);
  add(out, "tier:" + std::string(telclaude::to_string(t)) + ":" + user,
      limits.per_tier.at(static_cast<std::size_t>(t)));
  return out;
}

std::chrono::milliseconds retry_after(const limit_to_acquire& limit,
                                      long long now_ms) noexcept {
  const auto len = window_length(limit.window);
  return std::chrono::milliseconds{
    window_start_ms(limit.window, now_ms) + len.count() - now_ms};
}

std::string retry_message(std::chrono::milliseconds retry_after) {
  const long long ms = std::max<long long>(retry_after.count(), 0);
  const long long seconds = std::max<long long>((ms + 999) / 1000, 1);
  std::string when;
  if (seconds < 60) {
    when = std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
  } else {
    const long long minutes = (seconds + 59) / 60;
    when = std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
  }
  return "Too many requests. Try again in " + when + ".";
}

} // namespace telclaude::security
