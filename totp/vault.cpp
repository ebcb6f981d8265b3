#include "totp/vault.hpp"

#include <algorithm>
#include <chrono>

namespace telclaude::totp {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::ok:
      return "ok";
    case verdict::wrong:
      return "wrong";
    case verdict::replayed:
      return "replayed";
    case verdict::locked:
      return "locked";
    case verdict::not_enrolled:
      return "not_enrolled";
  }
  return "wrong";
}

vault::vault(std::vector<enrollment> entries, persist_fn persist,
             const telclaude::clock& clock, lockout_policy policy)
  : entries_(std::move(entries)),
    persist_(std::move(persist)),
    clock_(clock),
    guard_(policy, clock) {
}

std::vector<enrollment>::iterator vault::find(std::int64_t user) {
  return std::find_if(entries_.begin(), entries_.end(),
                      [user](const enrollment& e) { return e.user == user; });
}

void vault::commit(std::vector<enrollment> next) {
  persist_(next);
  entries_ = std::move(next);
}

enrollment_status vault::status(std::int64_t user) const {
  for (const auto& e : entries_)
    if (e.user == user)
      return {e.enabled, !e.enabled};
  return {};
}

std::optional<std::string> vault::setup(std::int64_t user,
                                        std::string_view account,
                                        std::string_view issuer) {
  auto next = entries_;
  auto it = std::find_if(next.begin(), next.end(),
                         [user](const enrollment& e) { return e.user == user; });
  if (it != next.end() && it->enabled)
    return std::nullopt;
  enrollment fresh{user, generate_secret(), false, std::nullopt};
  auto uri = otpauth_uri(issuer, account, fresh.secret);
  if (it != next.end())
    *it = std::move(fresh);
  else
    next.push_back(std::move(fresh));
  commit(std::move(next));
  return uri;
}

check_result vault::verify(std::int64_t user, std::string_view code) {
  return check(user, code, on_success::enable);
}

check_result vault::disable(std::int64_t user, std::string_view code) {
  return check(user, code, on_success::remove);
}

check_result vault::check(std::int64_t user, std::string_view code,
                          on_success then) {
  auto it = find(user);
  if (it == entries_.end())
    return {verdict::not_enrolled, std::nullopt};
  if (auto wait = guard_.locked(user))
    return {verdict::locked, wait->count()};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               clock_.now().time_since_epoch())
               .count();
  auto step = match_step(it->secret, code, now);
  if (!step) {
    guard_.record_failure(user);
    return {verdict::wrong, std::nullopt};
  }
  if (guard::replayed(it->last_step, *step))
    return {verdict::replayed, std::nullopt};
  auto index = it - entries_.begin();
  auto next = entries_;
  if (then == on_success::remove) {
    next.erase(next.begin() + index);
  } else {
    next[static_cast<std::size_t>(index)].enabled = true;
    next[static_cast<std::size_t>(index)].last_step = *step;
  }
  commit(std::move(next));
  guard_.record_success(user);
  return {verdict::ok, std::nullopt};
}

} // namespace telclaude::totp
