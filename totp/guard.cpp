#include "totp/guard.hpp"

namespace telclaude::totp {

guard::guard(lockout_policy policy, const telclaude::clock& clock)
  : policy_(policy), clock_(clock) {
}

std::optional<std::chrono::seconds> guard::locked(std::int64_t user) {
  auto it = users_.find(user);
  if (it == users_.end() || !it->second.locked_until)
    return std::nullopt;
  auto now = clock_.now();
  if (now >= *it->second.locked_until) {
    users_.erase(it);
    return std::nullopt;
  }
  // Rounded up: "retry in 0 s" while still locked would be a lie.
  auto left = std::chrono::ceil<std::chrono::seconds>(
    *it->second.locked_until - now);
  return left;
}

void guard::record_failure(std::int64_t user) {
  auto& r = users_[user];
  if (++r.failures >= policy_.max_failures) {
    r.failures = 0;
    r.locked_until = clock_.now() + policy_.lockout;
  }
}

void guard::record_success(std::int64_t user) {
  users_.erase(user);
}

} // namespace telclaude::totp
