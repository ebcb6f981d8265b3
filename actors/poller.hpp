#pragma once

#include <chrono>
#include <memory>

#include "messages/actors.hpp"
#include "telegram/backoff.hpp"
#include "telegram/types.hpp"

namespace telclaude {

namespace telegram {
class bot_api_client;
} // namespace telegram

/// The message the relay routes for a Telegram update; nullopt for updates
/// the relay does not handle (edits, channel posts, ...).
std::optional<chat_message> to_chat_message(const telegram::update& u);

struct poller_options {
  int timeout_s = 30;
  int limit = 100;
  telegram::reconnect_settings reconnect;
  /// An empty answer faster than this waits out the rest before the next
  /// poll: a server that answers at once must not make the relay spin.
  std::chrono::milliseconds min_empty_interval{1000};
};

struct poller_state {
  static inline const char* name = "poller";
  std::shared_ptr<telegram::bot_api_client> client;
  store_actor store;
  router_actor router;
  poller_options opts;
  std::unique_ptr<telegram::reconnect_backoff> backoff;
  std::int64_t offset = 0;
  /// When an empty poll was last recorded in the store (for `status`).
  std::chrono::steady_clock::time_point recorded;
};

/// The getUpdates long poll. Spawn detached: each poll blocks. An update
/// goes to the router only after the store has it durably, and only then
/// does the next poll's offset confirm it to Telegram. Quits with an error
/// when Telegram rejects the token or the reconnect attempts run out.
poller_actor::behavior_type
poller(poller_actor::stateful_pointer<poller_state> self,
       std::shared_ptr<telegram::bot_api_client> client, store_actor store,
       router_actor router, poller_options opts, std::int64_t offset);

} // namespace telclaude
