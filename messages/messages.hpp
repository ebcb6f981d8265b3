#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace telclaude {

/// One update from Telegram as the relay routes it.
struct chat_message {
  std::int64_t update_id = 0;
  std::int64_t chat_id = 0;
  /// "private", "group", "supergroup" or "channel".
  std::string chat_type;
  std::int64_t user_id = 0;
  std::string username;
  std::int64_t message_id = 0;
  std::string text;
  /// True when the message carries text; photos, stickers and the like
  /// arrive with this false and get a "not supported yet" reply.
  bool has_text = false;
  /// A press on an inline button: its callback query id (answered with
  /// answerCallbackQuery) and its data; empty for ordinary messages.
  std::string callback_id;
  std::string callback_data;
  /// The tier the gatekeeper granted this message ("READ_ONLY", ...);
  /// empty until it passed the gate. The agent runs with its flags.
  std::string tier;
  /// Set by the gatekeeper on a /stop or /status it passes on: the sender
  /// is the relay's admin (who may stop any run of the conversation).
  bool sender_is_admin = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("telclaude::chat_message"), x.update_id,
           x.chat_id, x.chat_type, x.user_id, x.username, x.message_id,
           x.text, x.has_text, x.callback_id, x.callback_data, x.tier,
           x.sender_is_admin);
}

/// An update as the inbox stores it: its id and the raw JSON received.
struct stored_update {
  std::int64_t update_id = 0;
  std::int64_t chat_id = 0;
  std::string payload;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_update& x) {
  return f(caf::meta::type_name("telclaude::stored_update"), x.update_id,
           x.chat_id, x.payload);
}

/// A conversation's persistent state: which agent session it resumes.
struct session_record {
  std::string key;
  std::int64_t chat_id = 0;
  /// Empty when the next turn starts a fresh conversation.
  std::string agent_session_id;
  /// Unix milliseconds of the last finished turn; 0 when never used.
  std::int64_t last_activity_ms = 0;
  std::int32_t turns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_record& x) {
  return f(caf::meta::type_name("telclaude::session_record"), x.key,
           x.chat_id, x.agent_session_id, x.last_activity_ms, x.turns);
}

/// Where the text of one turn goes: the chat, the message it answers, the
/// inbox entry it completes, and the turn's number within the relay.
struct reply_target {
  std::int64_t chat_id = 0;
  std::int64_t reply_to_message_id = 0;
  std::int64_t update_id = 0;
  std::uint64_t turn = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reply_target& x) {
  return f(caf::meta::type_name("telclaude::reply_target"), x.chat_id,
           x.reply_to_message_id, x.update_id, x.turn);
}

/// How one agent run ended, as the chat session hears it. Carries no
/// agent text: that only travels the data plane, through the redactor.
struct run_outcome {
  std::string agent_session_id;
  bool ok = false;
  /// The resume id was unknown to the agent ("No conversation found").
  bool stale_session = false;
  bool timed_out = false;
  double cost_usd = 0;
  std::int32_t num_turns = 0;
  std::int64_t duration_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_outcome& x) {
  return f(caf::meta::type_name("telclaude::run_outcome"),
           x.agent_session_id, x.ok, x.stale_session, x.timed_out,
           x.cost_usd, x.num_turns, x.duration_ms);
}

/// One audit record on its way to the audit actor. Text fields are
/// redacted by whoever makes the event; the audit actor redacts them once
/// more before writing. Absent values: 0 ids, -1 duration and cost, empty
/// strings.
struct audit_event {
  long long time_ms = 0;
  std::int64_t chat_id = 0;
  std::int64_t user_id = 0;
  std::string tier;
  /// "request", "turn", "control", "claim", "link", "approval", "admin".
  std::string event;
  /// "allowed", "refused", "pending", "approved", "denied", "completed",
  /// "failed", ...
  std::string verdict;
  std::string reason;
  std::int64_t duration_ms = -1;
  std::string agent_session_id;
  double cost_usd = -1;
  std::string excerpt;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_event& x) {
  return f(caf::meta::type_name("telclaude::audit_event"), x.time_ms,
           x.chat_id, x.user_id, x.tier, x.event, x.verdict, x.reason,
           x.duration_ms, x.agent_session_id, x.cost_usd, x.excerpt);
}

/// An inline keyboard button of a message the relay sends.
struct button {
  std::string label;
  std::string callback_data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, button& x) {
  return f(caf::meta::type_name("telclaude::button"), x.label,
           x.callback_data);
}

/// The TOTP daemon's answer as the client actor passes it on (fields of
/// access::second_factor's answers; `error_code` empty when it answered).
struct factor_reply {
  std::string error_code;
  std::string error_message;
  /// status: 0 not enrolled, 1 pending, 2 enabled.
  std::int32_t state = 0;
  /// verify/disable: 0 ok, 1 wrong, 2 replayed, 3 locked, 4 not enrolled.
  std::int32_t verdict = 1;
  std::int64_t retry_after_s = 0;
  /// setup: the otpauth URI (never logged).
  std::string uri;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, factor_reply& x) {
  return f(caf::meta::type_name("telclaude::factor_reply"), x.error_code,
           x.error_message, x.state, x.verdict, x.retry_after_s, x.uri);
}

/// The gatekeeper's answer to the router for one message: what to say,
/// and whether (and as what) to run it.
struct gate_reply {
  /// Sent to the message's chat first, when not empty.
  std::string text;
  /// Inline buttons under `text` (an approval prompt).
  std::vector<button> buttons;
  /// For a button press: the short note answerCallbackQuery shows.
  std::string callback_answer;
  /// Text to send as a QR code image with `text` as its caption (2FA
  /// set-up); never logged or audited.
  std::string qr;
  /// Run `message` (its tier set) in its conversation.
  bool run = false;
  chat_message message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gate_reply& x) {
  return f(caf::meta::type_name("telclaude::gate_reply"), x.text, x.buttons,
           x.callback_answer, x.qr, x.run, x.message);
}

/// The security observer's answer for one request (strict profile).
struct observer_verdict {
  /// "ALLOW", "WARN" or "BLOCK" (after dangerThreshold); empty when no
  /// classification was made (the fallback answered).
  std::string classification;
  double confidence = 0;  ///< 0..1
  std::string reason;
  /// "fast_path", "model" or "fallback".
  std::string source;
  /// The fallbackOnTimeout policy applied: "block", "allow", "approve"
  /// (source "fallback" only).
  std::string fallback;
  /// Why the model gave no classification (timeout, malformed answer,
  /// agent error, breaker open); empty otherwise.
  std::string error;
  std::int64_t elapsed_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, observer_verdict& x) {
  return f(caf::meta::type_name("telclaude::observer_verdict"),
           x.classification, x.confidence, x.reason, x.source, x.fallback,
           x.error, x.elapsed_ms);
}

/// The observer's circuit breaker and counters, for status and tests.
struct observer_stats {
  std::string breaker;  ///< "closed", "open", "half_open"
  std::int32_t consecutive_failures = 0;
  std::uint64_t fast_path = 0;  ///< requests the fast path decided
  std::uint64_t model_calls = 0;
  std::uint64_t model_successes = 0;
  std::uint64_t model_failures = 0;
  std::uint64_t fallbacks = 0;  ///< answered by fallbackOnTimeout
  std::uint64_t opened = 0;     ///< breaker transitions to open
  std::uint64_t half_opened = 0;
  std::uint64_t closed = 0;     ///< back to closed
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, observer_stats& x) {
  return f(caf::meta::type_name("telclaude::observer_stats"), x.breaker,
           x.consecutive_failures, x.fast_path, x.model_calls,
           x.model_successes, x.model_failures, x.fallbacks, x.opened,
           x.half_opened, x.closed);
}

} // namespace telclaude
