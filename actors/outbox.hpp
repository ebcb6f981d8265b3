#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "messages/actors.hpp"

namespace telclaude {

namespace telegram {
class bot_api_client;
} // namespace telegram

struct outbox_options {
  /// Attempts per Telegram call before a message is given up on.
  int max_attempts = 5;
  /// The longest `retry_after` honoured in place; longer waits give up.
  std::chrono::seconds max_retry_after{120};
};

struct outbox_state {
  static inline const char* name = "outbox";
  std::shared_ptr<telegram::bot_api_client> client;
  store_actor store;
  outbox_options opts;
  /// Text released by the redactor, per (chat, turn), until the turn ends.
  std::map<std::pair<std::int64_t, std::uint64_t>, std::string> replies;
  /// The last few tool progress lines per (chat, turn).
  std::map<std::pair<std::int64_t, std::uint64_t>, std::vector<std::string>>
    progress;
};

/// Everything sent to Telegram goes through here. Spawn detached: each send
/// blocks. A reply is split under 4096 UTF-16 units at paragraph, line or
/// code-fence boundaries; once sent, its update is marked answered.
outbox_actor::behavior_type
outbox(outbox_actor::stateful_pointer<outbox_state> self,
       std::shared_ptr<telegram::bot_api_client> client, store_actor store,
       outbox_options opts);

} // namespace telclaude
