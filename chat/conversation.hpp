#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "messages/messages.hpp"

namespace telclaude::chat {

/// What a conversation asks its actor to do next.
struct start_run {
  chat_message message;
  /// Agent session to resume; empty for a fresh conversation.
  std::string resume_id;
  std::uint64_t turn = 0;
};

/// Send a fixed relay notice to the chat (never agent output).
struct send_notice {
  std::int64_t chat_id = 0;
  std::string text;
  /// The update this notice answers (0: none).
  std::int64_t update_id = 0;
};

/// Persist the conversation record.
struct save_record {
  session_record record;
};

/// Interrupt the agent of `turn` (SIGINT: the session stays resumable).
struct stop_run {
  std::uint64_t turn = 0;
};

/// Answer a button press (answerCallbackQuery) with a short note.
struct answer_callback {
  std::string callback_id;
  std::string text;
};

/// Mark an update answered in the inbox (a press answered by
/// answer_callback sends no message that would).
struct mark_done {
  std::int64_t update_id = 0;
};

/// Call on_tick after `delay`.
struct arm_timer {
  std::chrono::milliseconds delay{0};
};

using action = std::variant<start_run, send_notice, save_record, stop_run,
                            answer_callback, mark_done, arm_timer>;

/// The rules of one conversation: strict arrival order, one turn at a time,
/// reset triggers, idle expiry of the agent session, and one fresh retry
/// when the agent no longer knows the session it was asked to resume.
///
/// While a turn runs: each message that arrives waits and becomes a turn of
/// its own, in arrival order (never dropped, never merged: each reply
/// answers its message and runs at its sender's tier). Once no message has
/// arrived for `queue_notice_delay`, one short notice says how many wait;
/// no other notice until the queue has emptied. `/stop` (or the Stop
/// button of the running turn, callback data `stop:<turn>`) interrupts the
/// running turn at once, ahead of the queue, when sent by the turn's own
/// user or the admin; the queue then runs. `/status` says what runs, for
/// how long, and how many wait. Both reach here only through the
/// gatekeeper, which audits them.
///
/// Pure logic: the chat_session actor feeds it events (time injected) and
/// performs the actions it returns.
class conversation {
public:
  struct options {
    std::vector<std::string> reset_triggers{"/new", "/reset"};
    std::chrono::minutes idle_timeout{30};
    /// Quiet time after the last queued message before the queued notice.
    std::chrono::milliseconds queue_notice_delay{1500};
  };

  /// `next_turn` hands out turn numbers unique within the relay process
  /// (the outbox keys replies by chat and turn).
  conversation(std::string key, std::int64_t chat_id, options opts,
               std::function<std::uint64_t()> next_turn);

  /// A message arrived. Until the stored record is loaded, messages only
  /// queue up.
  std::vector<action> on_message(chat_message msg, clock::time_point now);

  /// The stored record arrived (an empty record for a new conversation).
  std::vector<action> on_loaded(session_record record,
                                clock::time_point now);

  /// The agent of `turn` reported its session id.
  std::vector<action> on_started(std::uint64_t turn,
                                 const std::string& agent_session_id);

  /// The agent of `turn` ended.
  std::vector<action> on_finished(std::uint64_t turn, const run_outcome& out,
                                  clock::time_point now);

  /// The timer of an arm_timer action fired.
  std::vector<action> on_tick(clock::time_point now);

  /// True when a stop of the running turn was asked for.
  bool stopping() const {
    return running_ && running_->stop_requested;
  }

  /// True when nothing runs and nothing waits.
  bool idle() const {
    return loaded_ && !running_ && queue_.empty();
  }

  /// True while an agent runs for this conversation.
  bool running() const {
    return running_.has_value();
  }

  /// Messages waiting behind the running turn.
  std::size_t queued() const {
    return queue_.size();
  }

  const session_record& record() const {
    return record_;
  }

private:
  std::vector<action> pump(clock::time_point now);
  bool is_reset_trigger(const std::string& text) const;
  /// /stop (no turn named) or a Stop press (`pressed` = its turn).
  std::vector<action> on_stop(const chat_message& msg,
                              std::optional<std::uint64_t> pressed,
                              bool press);
  std::vector<action> on_status(const chat_message& msg,
                                clock::time_point now) const;

  options opts_;
  session_record record_;
  bool loaded_ = false;
  std::deque<chat_message> queue_;
  struct running_turn {
    std::uint64_t turn;
    chat_message message;
    bool resumed;
    clock::time_point started;
    bool stop_requested = false;
  };
  std::optional<running_turn> running_;
  /// When the last message queued behind a running turn arrived.
  clock::time_point last_queued_{};
  /// The queued notice went out since the queue was last empty.
  bool queue_noticed_ = false;
  bool timer_armed_ = false;
  std::function<std::uint64_t()> next_turn_;
};

} // namespace telclaude::chat
