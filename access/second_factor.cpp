// The 2FA part of access_control: the /setup-2fa family and the second
// factor an approval needs. The secrets stay in the TOTP daemon; the relay
// keeps only who is enrolled and whose 2FA session is open
// (storage::totp_sessions).

#include "access/access_control.hpp"

#include "storage/totp_sessions.hpp"

#include <ctime>

namespace telclaude::access {

namespace {

using security::control_kind;

constexpr const char* unavailable_text =
  "2FA service unavailable, so this was refused. Ask the operator to start "
  "`telclaude totp-daemon`, then try again.";

long long minutes_ms(std::chrono::minutes m) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(m).count();
}

std::string minutes_text(std::chrono::minutes m) {
  return std::to_string(m.count()) + (m.count() == 1 ? " minute" : " minutes");
}

/// "14:05 UTC".
std::string clock_text(long long unix_ms) {
  std::time_t t = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M UTC", &tm);
  return buf;
}

/// The user's words for a code the vault did not take.
std::string code_refusal(const code_answer& a) {
  if (!a.verdict)
    return a.error.code == "unavailable" || a.error.code == "timeout"
             ? unavailable_text
             : "2FA failed (" + a.error.code + "). Try again later.";
  switch (*a.verdict) {
  case code_verdict::wrong:
    return "That 2FA code is not right. Send the six digits your "
           "authenticator app shows now.";
  case code_verdict::replayed:
    return "That 2FA code was used already. Wait for the next one.";
  case code_verdict::locked:
    return "Too many wrong 2FA codes. Try again in "
           + std::to_string(std::max<std::int64_t>(a.retry_after_s, 1))
           + " seconds.";
  case code_verdict::not_enrolled:
    return "You have no 2FA set up. Start with /setup-2fa in a private chat "
           "with the bot.";
  case code_verdict::ok:
    break;
  }
  return "2FA failed.";
}

std::string verdict_word(const code_answer& a) {
  if (!a.verdict)
    return a.error.code;
  switch (*a.verdict) {
  case code_verdict::ok:
    return "ok";
  case code_verdict::wrong:
    return "wrong";
  case code_verdict::replayed:
    return "replayed";
  case code_verdict::locked:
    return "locked";
  case code_verdict::not_enrolled:
    return "not_enrolled";
  }
  return "unknown";
}

} // namespace

std::string access_control::factor_line(std::int64_t user_id,
                                        long long now_ms) {
  auto state = factors_->get(user_id);
  if (!state.enrolled_ms)
    return state.session_expires_ms > now_ms
             ? "Two-factor authentication: not set up (skipped until "
                 + clock_text(state.session_expires_ms) + ")."
             : "Two-factor authentication: not set up (/setup-2fa).";
  if (state.session_expires_ms > now_ms)
    return "Two-factor authentication: on; session open until "
           + clock_text(state.session_expires_ms) + ".";
  return "Two-factor authentication: on; no session (/verify-2fa <code>).";
}

std::optional<access_outcome>
access_control::approval_needs_factor(const chat_message& msg,
                                      long long now_ms) {
  auto state = factors_->get(msg.user_id);
  if (!state.enrolled_ms)
    return std::nullopt;  // no 2FA set up: nothing to ask
  access_outcome out;
  auto refuse = [&](std::string text, std::string reason) {
    out.reply.text = std::move(text);
    out.reply.callback_answer = "2FA needed.";
    out.audit.push_back(event(msg, "approval", "refused", std::move(reason),
                              "", now_ms));
    return out;
  };
  if (!factor_)
    return refuse(unavailable_text, "2fa_unavailable");
  // The vault has the last word: 2FA switched off from a terminal needs no
  // session; an unreachable vault refuses (fail closed).
  auto status = factor_->status(msg.user_id);
  if (!status.state)
    return refuse(unavailable_text, "2fa_unavailable");
  if (*status.state != factor_state::enabled) {
    factors_->clear_enrolled(msg.user_id);
    return std::nullopt;
  }
  if (state.session_expires_ms <= now_ms)
    return refuse("Approving needs your second factor: send /verify-2fa "
                  "<code> with the six digits from your authenticator app, "
                  "then approve again. The request stays pending meanwhile.",
                  "2fa_required");
  return std::nullopt;
}

access_outcome access_control::two_factor(const chat_message& msg,
                                          const security::control_command& cmd,
                                          const identity& who,
                                          long long now_ms) {
  access_outcome out;
  auto kind = std::string{to_string(cmd.kind)};
  auto answer = [&](std::string text, std::string verdict,
                    std::string reason) {
    out.reply.text = std::move(text);
    out.audit.push_back(event(msg, "2fa", verdict,
                              kind + ": " + std::move(reason),
                              who.link == security::link_state::linked
                                ? to_string(who.level)
                                : "",
                              now_ms));
    return out;
  };
  if (who.link != security::link_state::linked)
    return answer("2FA is for linked users: ask the admin for a link code "
                  "first, then send /link <code>.",
                  "refused", "not_linked");
  const auto session_until = now_ms + minutes_ms(opts_.totp_session_ttl);
  switch (cmd.kind) {
  case control_kind::setup_2fa: {
    if (msg.chat_type != "private")
      return answer("Set up 2FA in a private chat with the bot: the QR code "
                    "holds your secret.",
                    "refused", "not_private");
    if (!factor_)
      return answer(unavailable_text, "refused", "unavailable");
    auto status = factor_->status(msg.user_id);
    if (!status.state)
      return answer(unavailable_text, "refused", status.error.code);
    if (*status.state == factor_state::enabled)
      return answer("2FA is already on. To set it up again, first send "
                    "/disable-2fa <code>.",
                    "refused", "already_enabled");
    auto setup = factor_->setup(msg.user_id);
    if (!setup.uri)
      return answer(setup.error.code == "unavailable"
                        || setup.error.code == "timeout"
                      ? unavailable_text
                      : "2FA set-up failed (" + setup.error.code + ").",
                    "refused", setup.error.code);
    out.reply.qr = *setup.uri;
    // The caption carries the URI for apps that cannot scan; it is never
    // logged or audited (the audit excerpt is the command).
    return answer("Scan this QR code with your authenticator app (or add "
                  "this key by hand: " + *setup.uri + "). Then send "
                  "/verify-2fa <code> with the six digits it shows.",
                  "pending", "secret issued");
  }
  case control_kind::verify_2fa:
  case control_kind::disable_2fa: {
    if (!factor_)
      return answer(unavailable_text, "refused", "unavailable");
    const bool disabling = cmd.kind == control_kind::disable_2fa;
    auto checked = disabling ? factor_->disable(msg.user_id, cmd.code)
                             : factor_->verify(msg.user_id, cmd.code);
    if (checked.verdict != code_verdict::ok)
      return answer(code_refusal(checked), "refused", verdict_word(checked));
    if (disabling) {
      factors_->clear_enrolled(msg.user_id);
      return answer("2FA is off for your account.", "disabled", "ok");
    }
    const bool was_enrolled = factors_->get(msg.user_id).enrolled_ms
                                .has_value();
    factors_->set_enrolled(msg.user_id, now_ms);
    factors_->open_session(msg.user_id, session_until);
    return answer(std::string{was_enrolled ? "2FA session open"
                                           : "2FA is on. Session open"}
                    + " for " + minutes_text(opts_.totp_session_ttl)
                    + " (until " + clock_text(session_until) + ").",
                  was_enrolled ? "session" : "enabled", "ok");
  }
  case control_kind::logout_2fa:
    if (factors_->close_session(msg.user_id, now_ms))
      return answer("2FA session closed.", "logout", "ok");
    return answer("No 2FA session was open.", "logout", "none_open");
  case control_kind::skip_totp:
    if (!opts_.allow_skip_totp)
      return answer("Skipping 2FA is not allowed on this bot.", "refused",
                    "skip_not_allowed");
    // Skipping is for users without 2FA; it never stands in for a code.
    if (factors_->get(msg.user_id).enrolled_ms)
      return answer("You have 2FA on: send /verify-2fa <code> instead.",
                    "refused", "enrolled");
    factors_->open_session(msg.user_id, session_until);
    return answer("2FA skipped for " + minutes_text(opts_.totp_session_ttl)
                    + ".",
                  "skipped", "allowed by security.totp.allowSkip");
  default:
    break;
  }
  return answer("That is not a 2FA command.", "refused", "unknown");
}

} // namespace telclaude::access
