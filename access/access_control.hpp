#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "access/second_factor.hpp"
#include "core/tier.hpp"
#include "messages/messages.hpp"
#include "security/gate.hpp"
#include "security/rate_policy.hpp"

namespace telclaude::storage {
class database;
class admin;
class identity_links;
class auth_codes;
class approvals;
class rate_windows;
class totp_sessions;
struct audit_record;
} // namespace telclaude::storage

namespace telclaude::access {

/// What the gatekeeper enforces, copied from the configuration.
struct access_options {
  security::profile mode = security::profile::simple;
  /// TELCLAUDE_ENABLE_TEST_PROFILE=1.
  bool test_profile_enabled = false;
  /// The tier every request runs with under the test profile.
  telclaude::tier test_tier = telclaude::tier::write_safe;
  std::unordered_set<std::int64_t> allowed_chats;
  /// `security.permissions`: the tier a `/link` gives.
  telclaude::tier default_tier = telclaude::tier::read_only;
  std::map<std::int64_t, telclaude::tier> user_tiers;
  security::rate_limits limits;
  /// The bot's username (without `@`); empty accepts any `/cmd@name`.
  std::string bot_username;
  /// Texts that start a new conversation (not counted by the limiter).
  std::vector<std::string> reset_triggers{"/new", "/reset"};
  std::chrono::minutes approval_ttl = security::code_ttl;
  std::chrono::minutes claim_ttl = security::code_ttl;
  /// `security.totp`: how long a verified code keeps a 2FA session open,
  /// and whether /skip-totp may open one without a code.
  std::chrono::minutes totp_session_ttl{240};
  bool allow_skip_totp = false;
};

/// Redacts a text before it goes into an audit record.
using redact_fn = std::function<std::string(std::string_view)>;

/// The gatekeeper's work for one message.
struct access_outcome {
  gate_reply reply;
  /// Every decision leaves at least one record (already redacted).
  std::vector<audit_event> audit;
};

/// Identity, tiers, rate limits, approvals, the admin claim and the
/// control-plane commands (/approve /deny /link /unlink /whoami), over the
/// SQLite repositories of `db`. One verdict per message, and every part of
/// it fails closed: a storage error, an unknown tier or an unexpected
/// exception refuses the request with a clear message and an audit record.
/// No CAF inside: the gatekeeper actor calls handle() for each message.
class access_control {
public:
  /// `factor` is the TOTP vault (nullptr: no 2FA on this relay; the 2FA
  /// commands say so and approvals need none). It must outlive this.
  access_control(storage::database& db, access_options opts,
                 const clock& wall, redact_fn redact,
                 second_factor* factor = nullptr);
  ~access_control();

  access_control(const access_control&) = delete;
  access_control& operator=(const access_control&) = delete;

  /// Decides `msg` (a text message, or a button press when its
  /// callback_id is set) and carries out what the decision needs: stores
  /// approvals and codes, counts the request, links users. `observed` is
  /// the security observer's answer (strict profile; null: none, which
  /// holds the request for approval).
  access_outcome handle(const chat_message& msg,
                        const observer_verdict* observed = nullptr);

  /// Whether `msg` is a request the observer must classify before
  /// handle(): strict profile, an allowed chat, a linked sender, plain
  /// text bound for the agent (no button press, control command or reset
  /// trigger) and not already over a rate limit (the gate refuses that
  /// before the observer's rows: a flood costs no model calls). Reads
  /// storage; handle() decides whatever this says.
  bool needs_observer(const chat_message& msg);

  /// The audit event of a message refused before the gate (a secret in
  /// it, a chat not allowed): `reason` as given, the excerpt redacted.
  audit_event refusal_event(const chat_message& msg, std::string reason);

  /// Marks approvals past their expiry as expired and deletes expired
  /// codes; returns how many approvals expired.
  std::size_t expire_old();

private:
  /// Who sent a message, as storage knows them.
  struct identity {
    security::admin_state admin = security::admin_state::unknown;
    std::optional<std::int64_t> admin_id;
    security::link_state link = security::link_state::unknown;
    telclaude::tier level = telclaude::tier::read_only;
    bool is_admin = false;
  };
  identity load_identity(std::int64_t user_id);
  security::rate_result acquire(std::int64_t user_id, telclaude::tier t,
                                long long now_ms);
  access_outcome control(const chat_message& msg,
                         const security::control_command& cmd,
                         const identity& who, long long now_ms);
  access_outcome approve(const chat_message& msg, std::string_view code,
                         const identity& who, bool approve, long long now_ms);
  access_outcome claim(const chat_message& msg, std::string_view code,
                       long long now_ms);
  access_outcome link(const chat_message& msg, std::string_view code,
                      const identity& who, long long now_ms);
  access_outcome unlink(const chat_message& msg, const identity& who,
                        long long now_ms);
  access_outcome whoami(const chat_message& msg, const identity& who,
                        long long now_ms);
  /// /setup-2fa, /verify-2fa, /disable-2fa, /2fa-logout, /skip-totp.
  access_outcome two_factor(const chat_message& msg,
                            const security::control_command& cmd,
                            const identity& who, long long now_ms);
  /// An approval by a user with 2FA needs an open 2FA session and the
  /// vault's word; the refusal, or nullopt to go on.
  std::optional<access_outcome> approval_needs_factor(const chat_message& msg,
                                                      long long now_ms);
  /// "2FA: on, session open until ..." for /whoami.
  std::string factor_line(std::int64_t user_id, long long now_ms);
  access_outcome pending(const chat_message& msg,
                         const security::pending_approval& p,
                         long long now_ms,
                         const observer_verdict* observed = nullptr);
  access_outcome claim_offer(const chat_message& msg, long long now_ms);
  audit_event event(const chat_message& msg, std::string_view kind,
                    std::string_view verdict, std::string reason,
                    std::string_view tier, long long now_ms) const;

  storage::database& db_;
  access_options opts_;
  const clock& wall_;
  redact_fn redact_;
  std::unique_ptr<storage::admin> admin_;
  std::unique_ptr<storage::identity_links> links_;
  std::unique_ptr<storage::auth_codes> codes_;
  std::unique_ptr<storage::approvals> approvals_;
  std::unique_ptr<storage::rate_windows> windows_;
  std::unique_ptr<storage::totp_sessions> factors_;
  second_factor* factor_ = nullptr;
};

/// The gate's view of the observer's answer: a classification as such;
/// the fallback `block` as an error (refused), `allow` as ALLOW,
/// `approve` as not run (held for approval).
security::observer_result observer_input(const observer_verdict& v);

/// The line an approval prompt shows about the observer's answer, e.g.
/// "Security check: WARN (confidence 0.90): installs packages".
std::string observer_line(const observer_verdict& v);

/// The storage row of an audit event (absent values as nulls).
storage::audit_record to_record(const audit_event& e);

/// How much of `text` an audit excerpt keeps (bytes, cut at a UTF-8
/// boundary with "…").
inline constexpr std::size_t excerpt_bytes = 200;

/// `text` cut to excerpt_bytes at a UTF-8 boundary.
std::string excerpt(std::string_view text);

} // namespace telclaude::access
