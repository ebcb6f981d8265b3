#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "messages/actors.hpp"
#include "telegram/pacer.hpp"
#include "telegram/turn_reply.hpp"

namespace telclaude {

namespace telegram {
class bot_api_client;
} // namespace telegram

class outbox_workers;

struct outbox_options {
  /// Telegram's limits as the outbox keeps them.
  telegram::pacer_options pacing;
  /// Progress lines a preview shows.
  std::size_t progress_lines = 3;
  /// Time as the pacer sees it (tests may pass their own).
  const clock* clk = &system_clock::instance();
};

/// The outbox's own interface: the public one, and a wake-up that its
/// workers and timers send it.
using outbox_impl_actor =
  outbox_actor::extend<caf::reacts_to<atom::outbox_wake>>;

/// What one paced call is for.
struct outbox_job {
  enum class kind { part, notice, photo };
  kind what = kind::part;
  std::int64_t chat_id = 0;
  /// kind::part: the turn (its key in `turns`) and which message.
  std::pair<std::int64_t, std::uint64_t> turn{};
  std::size_t part = 0;
  /// kind::notice / photo: what to send, and the group it completes.
  telegram::message_content content;
  std::string photo_text;
  std::uint64_t group = 0;
  /// What the call in flight sends (to remember once delivered).
  telegram::message_content sending;
  bool resent = false;
  /// The call in flight deletes the message (a discarded turn).
  bool deleting = false;
};

/// One Telegram message of a turn's reply, as delivered.
struct outbox_message {
  std::int64_t message_id = 0;
  telegram::message_content shown;
  /// Telegram refused its HTML: plain text from now on.
  bool plain = false;
  /// The pacer key of its calls (edits of one message coalesce).
  std::uint64_t key = 0;
  /// Paced calls queued or in flight for it.
  std::size_t pending = 0;
};

/// One turn being streamed.
struct outbox_turn {
  reply_target target;
  telegram::turn_reply reply;
  std::vector<outbox_message> messages;
  /// Paced calls queued or in flight for it.
  std::size_t jobs = 0;
  bool discard = false;
};

struct outbox_state {
  static inline const char* name = "outbox";
  store_actor store;
  outbox_options opts;
  std::unique_ptr<telegram::pacer> pacer;
  std::map<std::pair<std::int64_t, std::uint64_t>, outbox_turn> turns;
  std::unordered_map<std::uint64_t, outbox_job> jobs;
  /// Notice groups (a split text, a photo): calls left, update to answer.
  std::unordered_map<std::uint64_t, std::pair<std::size_t, std::int64_t>>
    groups;
  std::uint64_t next_group = 1;
  std::uint64_t next_key = 1;
  /// When each chat's typing indicator was last sent.
  std::unordered_map<std::int64_t, clock::time_point> typing_at;
  std::vector<caf::typed_response_promise<bool>> drains;
  /// When the earliest pacing timer armed fires, on the clock CAF's timers
  /// use (not `opts.clk`: whether a timer fired is about real time).
  std::chrono::steady_clock::time_point armed{};
  /// Declared last: its destructor joins the threads first.
  std::unique_ptr<outbox_workers> workers;

  /// Declared so the state is no aggregate (CAF would try to make it
  /// from the actor pointer).
  outbox_state();
  ~outbox_state();
};

/// Everything sent to Telegram goes through here (see docs/architecture.md).
///
/// A turn streams into one preview message (sent at its first text or
/// progress line, then edited: text so far, last progress lines, a Stop
/// button); its end replaces the preview in place with the final text
/// (split over several messages past 4096 UTF-16 units). Agent Markdown
/// goes out as Telegram HTML, as plain text when Telegram refuses it. A
/// `telegram::pacer` decides when each call goes; `clients` (one thread
/// each) make them. An update is marked answered once its final reply is
/// delivered or given up on.
outbox_impl_actor::behavior_type
outbox(outbox_impl_actor::stateful_pointer<outbox_state> self,
       std::vector<std::shared_ptr<telegram::bot_api_client>> clients,
       store_actor store, outbox_options opts);

} // namespace telclaude
