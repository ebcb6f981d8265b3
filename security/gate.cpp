#include "security/gate.hpp"


namespace telclaude::security {

namespace {

const char* const storage_message =
  "Something went wrong checking your permissions, so this request was "
  "refused. Please try again later.";

refuse refused(refuse_reason r, std::string message) {
  return {r, std::move(message)};
}

pending_approval pending(approval_reason why, telclaude::tier t) {
  return {why, t, flags_for(t)};
}

/// The strict profile's observer rules; nullopt: no objection.
std::optional<verdict> observer_rules(const gate_input& in) {
  const auto t = in.user_tier;
  switch (in.observer.state) {
  case observer_state::error:
    return refused(refuse_reason::observer_error,
                   "The security check could not run, so this request was "
                   "refused. Please try again later.");
  case observer_state::not_run:
    return pending(approval_reason::observer_not_run, t);
  case observer_state::block:
    return pending(approval_reason::observer_block, t);
  case observer_state::warn:
    if (in.observer.confidence < 0.5)
      return pending(approval_reason::low_confidence, t);
    if (t == telclaude::tier::write_safe)
      return pending(approval_reason::observer_warn, t);
    return std::nullopt;
  case observer_state::allow:
    return std::nullopt;
  }
  return refused(refuse_reason::observer_error, "The security check failed.");
}

/// The rest of decide() once the sender is linked and not a control
/// command.
verdict linked_request(const gate_input& in) {
  switch (in.rate.status) {
  case rate_status::not_checked:
    return refused(refuse_reason::rate_unchecked, storage_message);
  case rate_status::storage_error:
    return refused(refuse_reason::storage_error, storage_message);
  case rate_status::limited:
    return refused(refuse_reason::rate_limited,
                   retry_message(in.rate.retry_after));
  case rate_status::allowed:
    break;
  }
  if (in.user_tier == telclaude::tier::full_access)
    return pending(approval_reason::full_access, in.user_tier);
  if (in.mode == profile::strict)
    if (auto v = observer_rules(in))
      return *v;
  return allow{in.user_tier, flags_for(in.user_tier)};
}

} // namespace

std::string_view to_string(refuse_reason reason) noexcept {
  switch (reason) {
  case refuse_reason::chat_not_allowed:
    return "chat_not_allowed";
  case refuse_reason::test_profile_disabled:
    return "test_profile_disabled";
  case refuse_reason::control_malformed:
    return "control_malformed";
  case refuse_reason::other_bot:
    return "other_bot";
  case refuse_reason::storage_error:
    return "storage_error";
  case refuse_reason::group_claim:
    return "group_claim";
  case refuse_reason::not_linked:
    return "not_linked";
  case refuse_reason::rate_unchecked:
    return "rate_unchecked";
  case refuse_reason::rate_limited:
    return "rate_limited";
  case refuse_reason::observer_error:
    return "observer_error";
  }
  return "storage_error";
}

std::string_view to_string(approval_reason reason) noexcept {
  switch (reason) {
  case approval_reason::full_access:
    return "full_access";
  case approval_reason::observer_block:
    return "observer_block";
  case approval_reason::observer_warn:
    return "observer_warn";
  case approval_reason::low_confidence:
    return "low_confidence";
  case approval_reason::observer_not_run:
    return "observer_not_run";
  }
  return "full_access";
}

bool rate_limit_applies(const gate_input& in) noexcept {
  return in.chat_allowed && in.mode != profile::test &&
         std::holds_alternative<not_control>(in.control);
}

verdict decide(const gate_input& in) {
  if (!in.chat_allowed)
    return refused(refuse_reason::chat_not_allowed,
                   "This chat is not allowed to use this bot.");
  if (const auto* e = std::get_if<control_error>(&in.control))
    return refused(refuse_reason::control_malformed, e->user_message);
  if (std::holds_alternative<other_bot>(in.control))
    return refused(refuse_reason::other_bot, {});
  const auto* command = std::get_if<control_command>(&in.control);
  if (in.mode == profile::test) {
    if (!in.test_profile_enabled)
      return refused(refuse_reason::test_profile_disabled,
                     "The test security profile is not enabled, so nothing "
                     "runs.");
    if (command)
      return control{*command};
    return allow{in.test_tier, flags_for(in.test_tier)};
  }
  if (in.admin == admin_state::unknown || in.link == link_state::unknown)
    return refused(refuse_reason::storage_error, storage_message);
  const bool private_chat = in.chat == chat_type::private_chat;
  if (in.admin == admin_state::none) {
    if (command && command->kind == control_kind::approve && !private_chat)
      return refused(refuse_reason::group_claim,
                     "Admin can only be claimed in a private chat with the "
                     "bot.");
    if (!command && in.link == link_state::unlinked) {
      if (private_chat)
        return claim_admin_offer{};
      return refused(refuse_reason::group_claim,
                     "This bot has no admin yet. Send it a private message "
                     "to claim admin.");
    }
  }
  if (command)
    return control{*command};
  if (in.link != link_state::linked)
    return refused(refuse_reason::not_linked,
                   "You are not linked to this bot. Ask the admin for a link "
                   "code, then send /link <code>.");
  return linked_request(in);
}

std::string claim_offer_text(std::string_view code) {
  return "Reply /approve " + std::string(code) +
         " to claim admin (valid " + std::to_string(code_ttl.count()) +
         " minutes).";
}

std::string claim_success_text() {
  return "You are now the admin of this bot (FULL_ACCESS: every request "
         "needs your approval). Set up two-factor authentication next with "
         "/setup-2fa.";
}

std::string_view to_string(redeem_result r) noexcept {
  switch (r) {
  case redeem_result::ok:
    return "ok";
  case redeem_result::not_found:
    return "not_found";
  case redeem_result::expired:
    return "expired";
  case redeem_result::consumed:
    return "consumed";
  case redeem_result::foreign:
    return "foreign";
  }
  return "not_found";
}

std::string redeem_message(redeem_result r) {
  switch (r) {
  case redeem_result::ok:
    return "Done.";
  case redeem_result::not_found:
    return "That code is not valid. Check it and try again.";
  case redeem_result::expired:
    return "That code has expired. Send your request again for a new one.";
  case redeem_result::consumed:
    return "That code has already been used.";
  case redeem_result::foreign:
    return "Only the person who made the request or the admin can answer "
           "it.";
  }
  return "That code is not valid.";
}

} // namespace telclaude::security
