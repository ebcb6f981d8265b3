#pragma once

// The whole system's wiring in one file: every actor's typed interface,
// then the type-ID block. Each handler is one line with a comment above it.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/messages.hpp"

namespace telclaude {

/// Owns the SQLite connection (detached thread).
using store_actor = caf::typed_actor<
  // Stores updates durably in one transaction, with the offset that
  // confirms them; replies with the ids that were new.
  caf::replies_to<atom::inbox_add, std::vector<stored_update>,
                  std::int64_t>::with<std::vector<std::int64_t>>,
  // Marks an update answered: a restart will not process it again.
  caf::reacts_to<atom::inbox_done, std::int64_t>,
  // Returns the updates received but not yet answered, oldest first.
  caf::replies_to<atom::inbox_pend>::with<std::vector<stored_update>>,
  // Returns the getUpdates offset to continue from.
  caf::replies_to<atom::offset>::with<std::int64_t>,
  // Returns a conversation's record (an empty one when unknown).
  caf::replies_to<atom::sess_get, std::string>::with<session_record>,
  // Saves a conversation's record (an empty agent session id makes the
  // next turn start fresh).
  caf::reacts_to<atom::sess_put, session_record>,
  // To itself: the mailbox is drained, commit the open group of writes.
  caf::reacts_to<atom::batch_end>>;

/// Everything sent to Telegram (detached thread: blocking HTTP).
using outbox_actor = caf::typed_actor<
  // Appends text the redactor released to a turn's reply.
  caf::reacts_to<atom::reply_text, reply_target, std::string>,
  // One compact, already-redacted tool progress line of a turn ("Reading
  // src/main.cpp") for its preview message (which carries a Stop button,
  // callback data "stop:<turn>").
  caf::reacts_to<atom::reply_progress, reply_target, std::string>,
  // Ends a turn's reply: the final text replaces the preview in place
  // (split under 4096, Stop button removed), then marks the update
  // answered. With `discard` set the text is dropped unsent.
  caf::reacts_to<atom::reply_end, reply_target, bool>,
  // Sends a fixed relay notice (never agent output); an update id other
  // than 0 is marked answered once sent.
  caf::reacts_to<atom::send_text, std::int64_t, std::string, std::int64_t>,
  // Sends a relay message with inline buttons (an approval prompt); an
  // update id other than 0 is marked answered once sent.
  caf::reacts_to<atom::prompt, std::int64_t, std::string, std::vector<button>,
                 std::int64_t>,
  // Sends a QR code image of the third argument with the second as its
  // caption (2FA set-up: neither is logged); an update id other than 0 is
  // marked answered once sent.
  caf::reacts_to<atom::qr_photo, std::int64_t, std::string, std::string,
                 std::int64_t>,
  // Answers a button press (stops its spinner) with a short note.
  caf::reacts_to<atom::cb_answer, std::string, std::string>,
  // Shows the typing indicator in a chat (best effort).
  caf::reacts_to<atom::typing, std::int64_t>,
  // Replies once everything queued so far has been handled.
  caf::replies_to<atom::drain>::with<bool>>;

/// One output stream's redaction state, between an agent and the outbox.
using redactor_actor = caf::typed_actor<
  // Redacts a chunk of agent output; forwards what is provably safe.
  caf::reacts_to<atom::output, std::string>,
  // Redacts one tool progress line whole and forwards it to the outbox
  // (`reply_progress`); never part of the reply's text.
  caf::reacts_to<atom::progress, std::string>,
  // Ends the stream: flushes the rest, then ends the reply (`discard`
  // drops it) and quits.
  caf::reacts_to<atom::output_end, bool>>;

/// One agent process for one turn.
using agent_run_actor = caf::typed_actor<
  // A line the agent printed on stdout (from the reader thread).
  caf::reacts_to<atom::line, std::string>,
  // The agent closed its stdout.
  caf::reacts_to<atom::eof>,
  // The turn ran out of time: interrupt the agent.
  caf::reacts_to<atom::timeout>,
  // The interrupt did not end it: kill the agent.
  caf::reacts_to<atom::kill>,
  // The user asked to stop the turn (/stop, Stop button): interrupt the
  // agent (SIGINT; its session stays resumable), kill it after the grace.
  caf::reacts_to<atom::stop>>;

/// Admission of agent runs (sandbox.limits caps, a FIFO queue) and the
/// record of their processes in SQLite (detached thread).
using agent_slots_actor = caf::typed_actor<
  // A run (turn, user, chat) asks to start; the reply (true) comes when a
  // slot is free. The queued run's chat is told its position meanwhile.
  caf::replies_to<atom::slot_get, std::uint64_t, std::int64_t,
                  std::int64_t>::with<bool>,
  // The run's agent started: record it (turn, pid, start time, cgroup).
  caf::reacts_to<atom::slot_pid, std::uint64_t, std::int64_t, std::int64_t,
                 std::string>,
  // The run's process is gone (or it gave up waiting): free its slot and
  // forget its record.
  caf::reacts_to<atom::slot_free, std::uint64_t>,
  // Grants the starts the spawn interval held back.
  caf::reacts_to<atom::slot_wake>,
  // Returns how many runs hold a slot and how many wait.
  caf::replies_to<atom::slot_count>::with<std::uint64_t, std::uint64_t>>;

/// The audit trail: the SQLite table and the JSONL file (detached thread).
using audit_actor = caf::typed_actor<
  // Writes one record (its text redacted once more first).
  caf::reacts_to<audit_event>,
  // To itself: the mailbox is drained, commit and sync the open group.
  caf::reacts_to<atom::batch_end>,
  // Replies once everything sent before has been written.
  caf::replies_to<atom::drain>::with<bool>>;

/// The relay's client of the TOTP daemon (detached thread: each question
/// is a short blocking exchange on the daemon's socket).
using totp_client_actor = caf::typed_actor<
  // Whether the user has 2FA on, pending, or not at all.
  caf::replies_to<atom::tf_status, std::int64_t>::with<factor_reply>,
  // A new pending secret: its otpauth URI.
  caf::replies_to<atom::tf_setup, std::int64_t>::with<factor_reply>,
  // Checks a code (a good one on a pending set-up turns 2FA on).
  caf::replies_to<atom::tf_verify, std::int64_t, std::string>::with<
    factor_reply>,
  // Checks a code; a good one removes the secret.
  caf::replies_to<atom::tf_disable, std::int64_t, std::string>::with<
    factor_reply>>;

/// Identity, tiers, rate limits, approvals and control commands: one
/// verdict per message (detached thread: SQLite).
using gatekeeper_actor = caf::typed_actor<
  // Decides a message that passed routing; the reply says what to send
  // and whether to run it (with which tier).
  caf::replies_to<atom::gate, chat_message>::with<gate_reply>,
  // To itself: decides a message with the observer's answer.
  caf::replies_to<atom::gate, chat_message, observer_verdict>::with<
    gate_reply>,
  // Audits a message the router refused before the gate (reason given).
  caf::reacts_to<atom::refused, chat_message, std::string>,
  // Expires old approvals and codes; re-arms itself.
  caf::reacts_to<atom::sweep>,
  // To itself: the mailbox is drained, commit the open group of decisions
  // and answer them.
  caf::reacts_to<atom::batch_end>>;

/// The security observer: fast path, else the classifier model behind
/// the circuit breaker. Never blocks: a model call runs in a
/// classifier_worker.
using observer_actor = caf::typed_actor<
  // Classifies a request's text; always answers, within maxLatencyMs
  // (the fallback when the breaker is open or the call fails).
  caf::replies_to<atom::classify, std::string>::with<observer_verdict>,
  // The breaker's state and the counters.
  caf::replies_to<atom::obs_stats>::with<observer_stats>>;

/// One classifier model call (detached: it runs `claude` under bwrap and
/// waits for it, killed after maxLatencyMs).
using classifier_worker_actor = caf::typed_actor<
  // Runs the model on the text; source "model", or `error` set.
  caf::replies_to<atom::classify, std::string>::with<observer_verdict>>;

/// One conversation's state machine and queue.
using chat_session_actor = caf::typed_actor<
  // A message for this conversation; handled strictly in arrival order.
  caf::reacts_to<chat_message>,
  // The agent of turn N reported its session id.
  caf::reacts_to<atom::started, std::uint64_t, std::string>,
  // The agent of turn N ended.
  caf::reacts_to<atom::finished, std::uint64_t, run_outcome>,
  // Refreshes the typing indicator while a turn runs.
  caf::reacts_to<atom::typing>,
  // The conversation's timer (the queued notice's quiet time) fired.
  caf::reacts_to<atom::tick>,
  // Asks an idle session to end; replies true (and quits) when it had
  // nothing queued or running.
  caf::replies_to<atom::expire>::with<bool>>;

/// Chat id → chat_session; spawns on demand, expires idle sessions.
using router_actor = caf::typed_actor<
  // Routes one update to its conversation.
  caf::reacts_to<chat_message>,
  // Ends sessions idle for longer than the configured time.
  caf::reacts_to<atom::sweep>,
  // Returns how many chat_session actors are alive.
  caf::replies_to<atom::count>::with<std::uint64_t>>;

/// The getUpdates long poll (detached thread: blocking HTTP).
using poller_actor = caf::typed_actor<
  // Runs one poll; re-arms itself.
  caf::reacts_to<atom::poll>>;

} // namespace telclaude

CAF_BEGIN_TYPE_ID_BLOCK(telclaude, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(telclaude, (telclaude::chat_message))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::stored_update))
  CAF_ADD_TYPE_ID(telclaude, (std::vector<telclaude::stored_update>))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::session_record))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::reply_target))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::run_outcome))
  CAF_ADD_TYPE_ID(telclaude, (std::vector<std::string>))
  CAF_ADD_TYPE_ID(telclaude, (std::vector<std::int64_t>))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::audit_event))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::button))
  CAF_ADD_TYPE_ID(telclaude, (std::vector<telclaude::button>))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::gate_reply))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::factor_reply))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::observer_verdict))
  CAF_ADD_TYPE_ID(telclaude, (telclaude::observer_stats))
CAF_END_TYPE_ID_BLOCK(telclaude)
