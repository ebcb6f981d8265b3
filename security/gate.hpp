#pragma once

#include "core/security_profile.hpp"
#include "core/tier.hpp"
#include "security/control_command.hpp"
#include "security/rate_policy.hpp"
#include "security/tiers.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace telclaude::security {

/// How much of the pipeline runs (`security.profile`).
using profile = telclaude::security_profile;

/// Telegram's chat types.
enum class chat_type { private_chat, group, supergroup, channel };

/// Whether an admin is linked; unknown when storage could not say.
enum class admin_state { none, exists, unknown };

/// The sender's identity link; unknown when storage could not say.
enum class link_state { unlinked, linked, unknown };

/// The security observer's classification (strict profile; later issue).
enum class observer_state { not_run, allow, warn, block, error };

/// What the observer said about the request.
struct observer_result {
  observer_state state = observer_state::not_run;
  double confidence = 1.0;  // 0..1
};

/// Everything decide() looks at, gathered by the caller first. Every
/// field defaults to its fail-closed value.
struct gate_input {
  profile mode = profile::simple;
  /// TELCLAUDE_ENABLE_TEST_PROFILE=1; without it the test profile refuses.
  bool test_profile_enabled = false;
  /// The tier the test profile runs with.
  telclaude::tier test_tier = telclaude::tier::read_only;
  chat_type chat = chat_type::group;
  /// The chat is in telegram.allowedChats.
  bool chat_allowed = false;
  admin_state admin = admin_state::unknown;
  link_state link = link_state::unknown;
  /// The linked user's tier (only read when link is linked).
  telclaude::tier user_tier = telclaude::tier::read_only;
  /// parse_control_command of the message text.
  control_parse control = not_control{};
  /// The limiter's answer; only read for requests bound for the agent
  /// (see rate_limit_applies).
  rate_result rate;
  observer_result observer;
};

/// Stable reasons for refusals, for the audit log.
enum class refuse_reason {
  chat_not_allowed,
  test_profile_disabled,
  control_malformed,
  other_bot,
  storage_error,
  group_claim,
  not_linked,
  rate_unchecked,
  rate_limited,
  observer_error,
};

/// "chat_not_allowed", "storage_error", ...
std::string_view to_string(refuse_reason reason) noexcept;

/// Why a request waits for an approval.
enum class approval_reason {
  full_access,        // every FULL_ACCESS request
  observer_block,     // strict: the observer said BLOCK
  observer_warn,      // strict: WARN at WRITE_SAFE
  low_confidence,     // strict: a WARN below 0.5 confidence
  observer_not_run,   // strict: no observer answer (fail closed)
};

/// "full_access", "observer_block", ...
std::string_view to_string(approval_reason reason) noexcept;

/// Run the agent at `level` with `flags`.
struct allow {
  telclaude::tier level = telclaude::tier::read_only;
  agent_flags flags;
};

/// Do not run; tell the user `user_message` (empty: say nothing).
struct refuse {
  refuse_reason reason = refuse_reason::storage_error;
  std::string user_message;
};

/// Run only once the requester or the admin approves: the caller makes a
/// code, stores the request and sends make_approval_prompt(...).
struct pending_approval {
  approval_reason why = approval_reason::full_access;
  telclaude::tier level = telclaude::tier::full_access;
  agent_flags flags;
};

/// No admin yet, a private allowed chat, an unlinked sender: the caller
/// makes a claim code and sends claim_offer_text(code).
struct claim_admin_offer {};

/// A control-plane command for the control handler; never for the agent.
struct control {
  control_command command;
};

/// The gate's one answer for one message. Every verdict is audited.
using verdict =
  std::variant<allow, refuse, pending_approval, claim_admin_offer, control>;

/// Whether the caller must ask the limiter before decide(): true for a
/// message from an allowed chat that is not a control command, in the
/// simple and strict profiles. Control commands are not counted, so a
/// limited user can still /deny or /whoami.
bool rate_limit_applies(const gate_input& in) noexcept;

/// The decision, first match wins (docs/permissions.md has the table):
/// chat not allowed -> refuse; malformed control command -> refuse;
/// addressed to another bot -> refuse (silent); test profile -> control
/// commands pass, else allow(test_tier) when enabled, refuse when not;
/// admin or link unknown -> refuse (storage error); no admin: /approve
/// outside a private chat -> refuse, other control -> control, an
/// unlinked sender -> claim offer in a private chat, refuse elsewhere;
/// control -> control; unlinked -> refuse "ask the admin for a link
/// code"; rate not checked / storage error / limited -> refuse;
/// FULL_ACCESS -> pending approval; strict: observer error -> refuse,
/// not run / BLOCK / WARN at WRITE_SAFE / WARN below 0.5 -> pending;
/// else allow(user_tier, flags_for(user_tier)).
verdict decide(const gate_input& in);

/// "Reply /approve <CODE> to claim admin (valid 5 minutes)."
std::string claim_offer_text(std::string_view code);

/// Sent after a successful claim: the user is admin (FULL_ACCESS) and
/// should set up 2FA.
std::string claim_success_text();

/// Validity of claim and approval codes.
inline constexpr std::chrono::minutes code_ttl{5};

/// The outcome of presenting a code.
enum class redeem_result {
  ok,
  not_found,  // no such code (wrong, or never issued)
  expired,
  consumed,   // used before
  foreign,    // neither the requester nor the admin (or, for a claim,
              // not the user it was offered to)
};

/// "ok", "not_found", "expired", "consumed", "foreign".
std::string_view to_string(redeem_result r) noexcept;

/// The user-facing words for a failed redeem.
std::string redeem_message(redeem_result r);

} // namespace telclaude::security
