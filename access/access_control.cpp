#include "access/access_control.hpp"

#include "security/auth_code.hpp"
#include "storage/admin.hpp"
#include "storage/approvals.hpp"
#include "storage/audit_log.hpp"
#include "storage/auth_codes.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "storage/rate_windows.hpp"
#include "storage/totp_sessions.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace telclaude::access {

namespace {

using security::control_kind;

constexpr const char* storage_message =
  "Something went wrong checking your permissions, so this request was "
  "refused. Please try again later.";

/// Codes are stored as their digest: a copy of the database holds no live
/// code.
std::string stored_code(std::string_view code) {
  return security::code_digest(code);
}

security::chat_type parse_chat_type(std::string_view t) {
  if (t == "private")
    return security::chat_type::private_chat;
  if (t == "supergroup")
    return security::chat_type::supergroup;
  if (t == "channel")
    return security::chat_type::channel;
  return security::chat_type::group;
}

std::string user_key(std::int64_t user_id) {
  return "tg:" + std::to_string(user_id);
}

/// A failed approval decision in the words of a failed redeem.
security::redeem_result as_redeem(storage::decide_status s) {
  switch (s) {
  case storage::decide_status::expired:
    return security::redeem_result::expired;
  case storage::decide_status::already_decided:
    return security::redeem_result::consumed;
  case storage::decide_status::not_allowed:
    return security::redeem_result::foreign;
  default:
    return security::redeem_result::not_found;
  }
}

} // namespace


std::string excerpt(std::string_view text) {
  if (text.size() <= excerpt_bytes)
    return std::string{text};
  auto cut = excerpt_bytes;
  // Back off continuation bytes so a multi-byte character stays whole.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{text.substr(0, cut)} + "…";
}

storage::audit_record to_record(const audit_event& e) {
  storage::audit_record r;
  r.time_ms = e.time_ms;
  if (e.chat_id != 0)
    r.chat_id = e.chat_id;
  if (e.user_id != 0)
    r.user_id = e.user_id;
  if (!e.tier.empty())
    r.tier = e.tier;
  r.event = e.event;
  r.verdict = e.verdict;
  r.reason = e.reason;
  if (e.duration_ms >= 0)
    r.duration_ms = e.duration_ms;
  if (!e.agent_session_id.empty())
    r.agent_session_id = e.agent_session_id;
  if (e.cost_usd >= 0)
    r.cost_usd = e.cost_usd;
  r.excerpt = e.excerpt;
  return r;
}

access_control::access_control(storage::database& db, access_options opts,
                               const clock& wall, redact_fn redact,
                               second_factor* factor)
  : db_(db),
    opts_(std::move(opts)),
    wall_(wall),
    redact_(std::move(redact)),
    admin_(std::make_unique<storage::admin>(db)),
    links_(std::make_unique<storage::identity_links>(db)),
    codes_(std::make_unique<storage::auth_codes>(db)),
    approvals_(std::make_unique<storage::approvals>(db)),
    windows_(std::make_unique<storage::rate_windows>(db)),
    factors_(std::make_unique<storage::totp_sessions>(db)),
    factor_(factor) {
  if (!redact_)
    throw std::invalid_argument{"access_control needs a redaction function"};
}

access_control::~access_control() = default;

audit_event access_control::event(const chat_message& msg,
                                  std::string_view kind,
                                  std::string_view verdict,
                                  std::string reason, std::string_view tier,
                                  long long now_ms) const {
  audit_event e;
  e.time_ms = now_ms;
  e.chat_id = msg.chat_id;
  e.user_id = msg.user_id;
  e.tier = std::string{tier};
  e.event = std::string{kind};
  e.verdict = std::string{verdict};
  e.reason = redact_(reason);
  auto text = msg.callback_id.empty() ? msg.text
                                      : "[button] " + msg.callback_data;
  e.excerpt = excerpt(redact_(text));
  return e;
}

audit_event access_control::refusal_event(const chat_message& msg,
                                          std::string reason) {
  return event(msg, "request", "refused", std::move(reason), "",
               to_unix_ms(wall_.now()));
}

access_control::identity access_control::load_identity(std::int64_t user_id) {
  identity who;
  try {
    auto a = admin_->get();
    who.admin = a ? security::admin_state::exists : security::admin_state::none;
    if (a)
      who.admin_id = a->user_id;
    who.is_admin = a && a->user_id == user_id;
    if (auto l = links_->get(user_id)) {
      auto t = parse_tier(l->tier);
      if (!t)
        return identity{};  // an unknown tier: fail closed
      who.link = security::link_state::linked;
      who.level = *t;
    } else if (who.is_admin) {
      // The admin is FULL_ACCESS even if its link row went missing.
      who.link = security::link_state::linked;
      who.level = telclaude::tier::full_access;
    } else {
      who.link = security::link_state::unlinked;
    }
  } catch (const std::exception&) {
    return identity{};
  }
  return who;
}

security::rate_result access_control::acquire(std::int64_t user_id,
                                              telclaude::tier t,
                                              long long now_ms) {
  try {
    auto wanted = security::limits_for(opts_.limits, user_id, t);
    std::vector<storage::window_limit> limits;
    limits.reserve(wanted.size());
    for (const auto& l : wanted)
      limits.push_back({l.key,
                        static_cast<long long>(
                          security::window_length(l.window).count()),
                        l.max});
    auto r = windows_->try_acquire(limits, now_ms);
    if (r)
      return {security::rate_status::allowed, {}};
    return {security::rate_status::limited,
            std::chrono::milliseconds{r.retry_after_ms}};
  } catch (const std::exception&) {
    return {security::rate_status::storage_error, {}};
  }
}

security::observer_result observer_input(const observer_verdict& v) {
  security::observer_result r;
  r.confidence = v.confidence;
  if (v.classification == "ALLOW")
    r.state = security::observer_state::allow;
  else if (v.classification == "WARN")
    r.state = security::observer_state::warn;
  else if (v.classification == "BLOCK")
    r.state = security::observer_state::block;
  else if (v.fallback == "allow")
    r = {security::observer_state::allow, 1.0};
  else if (v.fallback == "approve")
    r = {security::observer_state::not_run, 0.0};
  else
    r = {security::observer_state::error, 0.0};
  return r;
}

std::string observer_line(const observer_verdict& v) {
  if (v.classification.empty())
    return "Security check: not run (" + v.error + "); fallback "
           + v.fallback + ".";
  char confidence[16];
  std::snprintf(confidence, sizeof confidence, "%.2f", v.confidence);
  return "Security check: " + v.classification + " (confidence "
         + confidence + "): " + v.reason;
}

bool access_control::needs_observer(const chat_message& msg) {
  if (opts_.mode != security::profile::strict || !msg.callback_id.empty()
      || !opts_.allowed_chats.contains(msg.chat_id))
    return false;
  auto control = security::parse_control_command(msg.text,
                                                 opts_.bot_username);
  if (!std::holds_alternative<security::not_control>(control))
    return false;
  if (std::find(opts_.reset_triggers.begin(), opts_.reset_triggers.end(),
                msg.text) != opts_.reset_triggers.end())
    return false;
  auto who = load_identity(msg.user_id);
  if (who.link == security::link_state::unlinked)
    return false;
  // Already over a limit: the gate refuses it (rate_limited) before the
  // observer's rows, so no model call is spent on a flood.
  try {
    const auto now_ms = to_unix_ms(wall_.now());
    for (const auto& l : security::limits_for(opts_.limits, msg.user_id,
                                              who.level)) {
      auto window_ms = static_cast<long long>(
        security::window_length(l.window).count());
      if (windows_->used(l.key, window_ms, now_ms) >= l.max)
        return false;
    }
  } catch (const std::exception&) {
    return false;  // handle() then meets the same storage error: refused
  }
  return true;
}

access_outcome access_control::handle(const chat_message& msg,
                                      const observer_verdict* observed) {
  const auto now_ms = to_unix_ms(wall_.now());
  try {
    security::gate_input in;
    in.mode = opts_.mode;
    in.test_profile_enabled = opts_.test_profile_enabled;
    in.test_tier = opts_.test_tier;
    in.chat = parse_chat_type(msg.chat_type);
    in.chat_allowed = opts_.allowed_chats.contains(msg.chat_id);
    if (!msg.callback_id.empty()) {
      auto cb = security::parse_callback_data(msg.callback_data);
      if (auto* c = std::get_if<security::control_command>(&cb))
        in.control = *c;
      else
        in.control = std::get<security::control_error>(cb);
    } else {
      in.control = security::parse_control_command(msg.text,
                                                   opts_.bot_username);
    }
    identity who;
    if (in.mode != security::profile::test && in.chat_allowed)
      who = load_identity(msg.user_id);
    in.admin = who.admin;
    in.link = who.link;
    in.user_tier = who.level;
    if (who.link == security::link_state::linked &&
        security::rate_limit_applies(in)) {
      bool reset = std::find(opts_.reset_triggers.begin(),
                             opts_.reset_triggers.end(),
                             msg.text) != opts_.reset_triggers.end();
      in.rate = reset ? security::rate_result{security::rate_status::allowed,
                                              {}}
                      : acquire(msg.user_id, who.level, now_ms);
    }
    std::vector<audit_event> classified;
    if (observed && in.mode == security::profile::strict) {
      in.observer = observer_input(*observed);
      // Every classification is audited, whatever the gate makes of it.
      auto what = observed->classification.empty()
                    ? "fallback_" + observed->fallback
                    : observed->classification;
      auto why = observed->source + ": "
                 + (observed->classification.empty() ? observed->error
                                                     : observed->reason);
      classified.push_back(event(msg, "observer", what, std::move(why),
                                 to_string(who.level), now_ms));
      classified.back().duration_ms = observed->elapsed_ms;
    }
    auto verdict = security::decide(in);
    auto with_classification = [&](access_outcome out) {
      out.audit.insert(out.audit.begin(), classified.begin(),
                       classified.end());
      return out;
    };

    if (auto* a = std::get_if<security::allow>(&verdict)) {
      access_outcome out;
      out.reply.run = true;
      out.reply.message = msg;
      out.reply.message.tier = std::string{to_string(a->level)};
      out.audit.push_back(event(msg, "request", "allowed", "",
                                to_string(a->level), now_ms));
      return with_classification(std::move(out));
    }
    if (auto* r = std::get_if<security::refuse>(&verdict)) {
      access_outcome out;
      // Strangers get no answer: a chat not allowed is dropped silently.
      if (r->reason != security::refuse_reason::chat_not_allowed)
        out.reply.text = r->user_message;
      out.reply.callback_answer = r->user_message.empty()
                                    ? std::string{"Refused."}
                                    : r->user_message;
      auto tier = who.link == security::link_state::linked
                    ? std::string{to_string(who.level)}
                    : std::string{};
      out.audit.push_back(event(msg, "request", "refused",
                                std::string{to_string(r->reason)}, tier,
                                now_ms));
      return with_classification(std::move(out));
    }
    if (auto* p = std::get_if<security::pending_approval>(&verdict))
      return with_classification(pending(msg, *p, now_ms, observed));
    if (std::holds_alternative<security::claim_admin_offer>(verdict))
      return claim_offer(msg, now_ms);
    const auto& c = std::get<security::control>(verdict);
    return control(msg, c.command, who, now_ms);
  } catch (const std::exception& e) {
    // Fail closed: whatever broke, the request does not run.
    access_outcome out;
    out.reply.text = storage_message;
    out.reply.callback_answer = "Refused.";
    out.audit.push_back(event(msg, "request", "refused",
                              std::string{"error: "} + e.what(), "", now_ms));
    return out;
  }
}

access_outcome access_control::pending(const chat_message& msg,
                                       const security::pending_approval& p,
                                       long long now_ms,
                                       const observer_verdict* observed) {
  access_outcome out;
  const auto tier = std::string{to_string(p.level)};
  storage::approval row;
  row.requester_id = msg.user_id;
  row.chat_id = msg.chat_id;
  row.message_id = msg.message_id;
  row.update_id = msg.update_id;
  row.tier = tier;
  row.request_text = msg.text;
  // A request the observer blocked runs only if the admin overrides it.
  row.admin_only = p.why == security::approval_reason::observer_block;
  row.created_ms = now_ms;
  row.expires_ms =
    now_ms
    + std::chrono::duration_cast<std::chrono::milliseconds>(opts_.approval_ttl)
        .count();
  std::string code;
  bool stored = false;
  for (int attempt = 0; attempt < 5 && !stored; ++attempt) {
    code = security::generate_code(security::code_kind::approval);
    row.code = stored_code(code);
    stored = approvals_->create(row);
  }
  if (!stored)
    throw std::runtime_error{"could not store an approval code"};
  auto prompt =
    security::make_approval_prompt(msg.text, code, opts_.approval_ttl);
  out.reply.text = std::move(prompt.text);
  if (observed) {
    auto line = observer_line(*observed);
    if (p.why == security::approval_reason::observer_block)
      line = "Blocked by the security check; it runs only if the admin "
             "approves it.\n"
             + line;
    out.reply.text += "\n\n" + redact_(line);
  }
  for (auto& b : prompt.buttons)
    out.reply.buttons.push_back({std::move(b.label),
                                 std::move(b.callback_data)});
  out.audit.push_back(event(msg, "request", "pending",
                            std::string{to_string(p.why)}, tier, now_ms));
  return out;
}

access_outcome access_control::claim_offer(const chat_message& msg,
                                           long long now_ms) {
  access_outcome out;
  storage::auth_code row;
  row.purpose = storage::auth_purpose::admin_claim;
  row.subject = msg.user_id;
  row.created_ms = now_ms;
  row.expires_ms =
    now_ms
    + std::chrono::duration_cast<std::chrono::milliseconds>(opts_.claim_ttl)
        .count();
  std::string code;
  bool stored = false;
  for (int attempt = 0; attempt < 5 && !stored; ++attempt) {
    code = security::generate_code(security::code_kind::claim);
    row.code = stored_code(code);
    stored = codes_->issue(row);
  }
  if (!stored)
    throw std::runtime_error{"could not store a claim code"};
  out.reply.text = security::claim_offer_text(code);
  out.audit.push_back(event(msg, "claim", "offered", "no admin yet", "",
                            now_ms));
  return out;
}

access_outcome access_control::control(const chat_message& msg,
                                       const security::control_command& cmd,
                                       const identity& who,
                                       long long now_ms) {
  switch (cmd.kind) {
  case control_kind::approve:
    if (who.admin == security::admin_state::none)
      return claim(msg, cmd.code, now_ms);
    return approve(msg, cmd.code, who, true, now_ms);
  case control_kind::deny:
    return approve(msg, cmd.code, who, false, now_ms);
  case control_kind::link:
    return link(msg, cmd.code, who, now_ms);
  case control_kind::unlink:
    return unlink(msg, who, now_ms);
  case control_kind::whoami:
    return whoami(msg, who, now_ms);
  case control_kind::setup_2fa:
  case control_kind::verify_2fa:
  case control_kind::disable_2fa:
  case control_kind::logout_2fa:
  case control_kind::skip_totp:
    return two_factor(msg, cmd, who, now_ms);
  case control_kind::stop:
  case control_kind::status: {
    // The chat's conversation knows what runs and answers; here only who
    // may ask: a linked user (the conversation lets the run's own user or
    // the admin stop it). Not rate-counted, never pending an approval.
    access_outcome out;
    const auto kind = std::string{to_string(cmd.kind)};
    if (opts_.mode != security::profile::test
        && who.link != security::link_state::linked) {
      out.reply.text = "Only linked users can use /" + kind
                       + ". Ask the admin for a link code.";
      out.reply.callback_answer = "Only linked users can stop a run.";
      out.audit.push_back(
        event(msg, "control", "refused", kind + ": not_linked", "", now_ms));
      return out;
    }
    const auto level = opts_.mode == security::profile::test
                         ? opts_.test_tier
                         : who.level;
    out.reply.run = true;
    out.reply.message = msg;
    out.reply.message.tier = std::string{to_string(level)};
    out.reply.message.sender_is_admin = who.is_admin;
    out.audit.push_back(event(msg, "control", "allowed", kind,
                              to_string(level), now_ms));
    return out;
  }
  }
  throw std::logic_error{"unknown control command"};
}

access_outcome access_control::claim(const chat_message& msg,
                                     std::string_view code,
                                     long long now_ms) {
  access_outcome out;
  auto refuse = [&](security::redeem_result r) {
    out.reply.text = security::redeem_message(r);
    out.reply.callback_answer = out.reply.text;
    out.audit.push_back(event(msg, "claim", "refused",
                              std::string{to_string(r)}, "", now_ms));
    return out;
  };
  auto taken = codes_->consume(storage::auth_purpose::admin_claim,
                               stored_code(code), now_ms);
  if (taken.status == storage::consume_status::expired)
    return refuse(security::redeem_result::expired);
  if (!taken)
    return refuse(security::redeem_result::not_found);
  if (taken.code->subject != msg.user_id)
    return refuse(security::redeem_result::foreign);
  if (!admin_->claim(msg.user_id, now_ms)) {
    out.reply.text = "This bot has an admin already.";
    out.audit.push_back(event(msg, "claim", "refused", "admin_exists", "",
                              now_ms));
    return out;
  }
  links_->upsert({msg.user_id, "FULL_ACCESS", now_ms, "admin-claim"});
  out.reply.text = security::claim_success_text();
  out.reply.callback_answer = "You are the admin.";
  out.audit.push_back(event(msg, "claim", "claimed", "admin claimed",
                            "FULL_ACCESS", now_ms));
  return out;
}

access_outcome access_control::approve(const chat_message& msg,
                                       std::string_view code,
                                       const identity& who, bool approve,
                                       long long now_ms) {
  access_outcome out;
  const char* kind = "approval";
  if (who.admin != security::admin_state::exists) {
    out.reply.text = "There is nothing to deny.";
    out.reply.callback_answer = out.reply.text;
    out.audit.push_back(event(msg, kind, "refused", "no_admin", "", now_ms));
    return out;
  }
  // Approving needs the approver's second factor; denying never does.
  if (approve)
    if (auto refused = approval_needs_factor(msg, now_ms))
      return std::move(*refused);
  auto r = approvals_->decide(stored_code(code), msg.user_id, who.admin_id,
                              approve, now_ms);
  if (r.status == storage::decide_status::denied) {
    out.reply.text = "Denied: the request will not run.";
    out.reply.callback_answer = "Denied.";
    out.audit.push_back(event(msg, kind, "denied",
                              "by " + user_key(msg.user_id),
                              r.request ? r.request->tier : "", now_ms));
    return out;
  }
  if (r.status == storage::decide_status::not_allowed && r.request
      && r.request->admin_only && msg.user_id == r.request->requester_id) {
    out.reply.text = "The security check blocked this request: only the "
                     "admin can let it run. You can still deny it.";
    out.reply.callback_answer = "Only the admin can approve this.";
    out.audit.push_back(event(msg, kind, "refused", "admin_only",
                              r.request->tier, now_ms));
    return out;
  }
  if (r.status != storage::decide_status::approved) {
    auto why = as_redeem(r.status);
    out.reply.text = security::redeem_message(why);
    out.reply.callback_answer = out.reply.text;
    out.audit.push_back(event(msg, kind, "refused",
                              std::string{to_string(r.status)}, "", now_ms));
    return out;
  }
  const auto& req = *r.request;
  // The requester must still be linked; they run at their tier now (a
  // lowered tier applies to what was approved before).
  auto requester = load_identity(req.requester_id);
  if (requester.link != security::link_state::linked) {
    out.reply.text =
      requester.link == security::link_state::unknown
        ? std::string{storage_message}
        : "The requester is no longer linked, so the request will not run.";
    out.reply.callback_answer = "Refused.";
    out.audit.push_back(event(msg, kind, "refused", "requester_not_linked",
                              req.tier, now_ms));
    return out;
  }
  chat_message run;
  run.update_id = msg.update_id;
  run.chat_id = req.chat_id;
  run.chat_type = req.chat_id == msg.chat_id ? msg.chat_type : "";
  run.user_id = req.requester_id;
  run.message_id = req.message_id;
  run.text = req.request_text;
  run.has_text = true;
  run.tier = std::string{to_string(requester.level)};
  out.reply.run = true;
  out.reply.message = std::move(run);
  out.reply.text = "Approved: running it now.";
  out.reply.callback_answer = "Approved.";
  auto e = event(msg, kind, "approved", "by " + user_key(msg.user_id),
                 to_string(requester.level), now_ms);
  e.excerpt = excerpt(redact_(req.request_text));
  out.audit.push_back(std::move(e));
  return out;
}

access_outcome access_control::link(const chat_message& msg,
                                    std::string_view code,
                                    const identity& who, long long now_ms) {
  access_outcome out;
  auto refuse = [&](std::string text, std::string reason) {
    out.reply.text = std::move(text);
    out.audit.push_back(event(msg, "link", "refused", std::move(reason), "",
                              now_ms));
    return out;
  };
  if (who.is_admin)
    return refuse("You are the admin already; there is nothing to link.",
                  "admin");
  auto taken =
    codes_->consume(storage::auth_purpose::link, stored_code(code), now_ms);
  if (taken.status == storage::consume_status::expired)
    return refuse("That link code has expired. Ask the admin for a new one.",
                  "expired");
  if (!taken)
    return refuse("That link code is not valid. Check it and try again.",
                  "not_found");
  if (taken.code->subject != msg.user_id)
    return refuse("That link code was made for another Telegram user. Ask "
                  "the admin for a code for " + user_key(msg.user_id) + ".",
                  "foreign");
  auto it = opts_.user_tiers.find(msg.user_id);
  auto level = it == opts_.user_tiers.end() ? opts_.default_tier : it->second;
  links_->upsert({msg.user_id, std::string{to_string(level)}, now_ms,
                  "link-code"});
  out.reply.text = "Linked: you are " + user_key(msg.user_id) + " with tier "
                   + std::string{to_string(level)} + ".";
  out.audit.push_back(event(msg, "link", "linked", "link code",
                            to_string(level), now_ms));
  return out;
}

access_outcome access_control::unlink(const chat_message& msg,
                                      const identity& who, long long now_ms) {
  access_outcome out;
  if (who.is_admin) {
    out.reply.text = "The admin cannot unlink. To start over, run "
                     "`telclaude reset-auth` on the server.";
    out.audit.push_back(event(msg, "link", "refused", "admin", "", now_ms));
    return out;
  }
  bool removed = links_->remove(msg.user_id);
  out.reply.text = removed ? "Unlinked: this bot no longer answers you until "
                             "you link again."
                           : "You were not linked.";
  out.audit.push_back(event(msg, "link", removed ? "unlinked" : "refused",
                            removed ? "by the user" : "not_linked",
                            removed ? to_string(who.level) : "", now_ms));
  return out;
}

access_outcome access_control::whoami(const chat_message& msg,
                                      const identity& who, long long now_ms) {
  access_outcome out;
  std::string text = "You are " + user_key(msg.user_id);
  if (!msg.username.empty())
    text += " (@" + msg.username + ")";
  text += ".\n";
  if (opts_.mode == security::profile::test) {
    text += "Security profile: test (no checks); requests run as "
            + std::string{to_string(opts_.test_tier)} + ".";
  } else if (who.link == security::link_state::linked) {
    text += "Tier: " + std::string{to_string(who.level)}
            + (who.is_admin ? " (admin)" : "") + ".\n";
    text += factor_line(msg.user_id, now_ms) + "\n";
    auto limits = security::limits_for(opts_.limits, msg.user_id, who.level);
    if (limits.empty())
      text += "Requests left: unlimited.";
    else
      text += "Requests left:";
    for (const auto& l : limits) {
      auto window_ms = static_cast<long long>(
        security::window_length(l.window).count());
      auto used = windows_->used(l.key, window_ms, now_ms);
      auto left = std::max<std::int64_t>(0, l.max - used);
      auto who_counts = l.key == "global"          ? std::string{"everyone"}
                        : l.key.starts_with("tier:") ? "you at "
                                                         + std::string{to_string(
                                                           who.level)}
                                                     : std::string{"you"};
      text += "\n  " + who_counts + ", this "
              + (l.window == security::rate_window::minute ? "minute"
                                                            : "hour")
              + ": " + std::to_string(left) + " of " + std::to_string(l.max);
    }
  } else {
    text += "You are not linked. Ask the admin for a link code, then send "
            "/link <code>.";
  }
  out.reply.text = std::move(text);
  out.audit.push_back(event(msg, "control", "answered", "whoami",
                            who.link == security::link_state::linked
                              ? to_string(who.level)
                              : "",
                            now_ms));
  return out;
}

std::size_t access_control::expire_old() {
  auto now_ms = to_unix_ms(wall_.now());
  codes_->purge_expired(now_ms);
  windows_->purge(now_ms);
  return approvals_->expire_old(now_ms);
}

} // namespace telclaude::access
