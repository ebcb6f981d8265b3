#include "access/totp_factor.hpp"

namespace telclaude::access {

namespace {

factor_error error_of(const totp::client_error& e) {
  return {e.code, e.message};
}

code_answer answer_of(const totp::client_result<totp::check_result>& r) {
  code_answer a;
  if (!r) {
    a.error = error_of(r.error);
    return a;
  }
  switch (r->reason) {
  case totp::verdict::ok:
    a.verdict = code_verdict::ok;
    break;
  case totp::verdict::wrong:
    a.verdict = code_verdict::wrong;
    break;
  case totp::verdict::replayed:
    a.verdict = code_verdict::replayed;
    break;
  case totp::verdict::locked:
    a.verdict = code_verdict::locked;
    break;
  case totp::verdict::not_enrolled:
    a.verdict = code_verdict::not_enrolled;
    break;
  }
  a.retry_after_s = r->retry_after_s.value_or(0);
  return a;
}

} // namespace

totp_factor::totp_factor(std::filesystem::path socket_path,
                         std::chrono::milliseconds timeout)
  : client_(std::move(socket_path), timeout) {
}

status_answer totp_factor::status(std::int64_t user) {
  auto r = client_.status(user);
  if (!r)
    return {std::nullopt, error_of(r.error)};
  auto state = r->enabled   ? factor_state::enabled
               : r->pending ? factor_state::pending
                            : factor_state::not_enrolled;
  return {state, {}};
}

setup_answer totp_factor::setup(std::int64_t user) {
  auto r = client_.setup(user, "tg:" + std::to_string(user));
  if (!r)
    return {std::nullopt, error_of(r.error)};
  return {*r, {}};
}

code_answer totp_factor::verify(std::int64_t user, std::string_view code) {
  return answer_of(client_.verify(user, code));
}

code_answer totp_factor::disable(std::int64_t user, std::string_view code) {
  return answer_of(client_.disable(user, code));
}

} // namespace telclaude::access
