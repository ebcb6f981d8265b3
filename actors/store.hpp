#pragma once

#include <memory>
#include <optional>

#include "core/clock.hpp"
#include "messages/actors.hpp"
#include "storage/agent_sessions.hpp"
#include "storage/database.hpp"
#include "storage/inbox.hpp"
#include "storage/relay_state.hpp"

namespace telclaude {

struct store_state {
  static inline const char* name = "store";
  std::shared_ptr<storage::database> db;
  std::unique_ptr<storage::inbox> inbox;
  std::unique_ptr<storage::agent_sessions> sessions;
  std::unique_ptr<storage::relay_state> relay;
  const clock* wall = nullptr;
  std::uint64_t adds_since_prune = 0;
  /// The group commit of the writes nobody waits for (inbox_done,
  /// sess_put): one transaction until the mailbox is drained.
  std::optional<storage::transaction> group;
  /// A batch_end is queued to this actor.
  bool end_queued = false;
};

/// Owns the SQLite connection (opened by the caller, so a bad database
/// stops start-up with a clear error). Spawn detached: every handler blocks
/// on disk. A storage failure answers the request with an error, so callers
/// fail closed. Writes nobody waits for (inbox_done, sess_put) are group
/// committed: one transaction over all of them queued together, committed
/// when the mailbox is drained (a batch_end to itself), with the next
/// inbox_add (which answers only once committed) or before the actor
/// ends. Reads see the open group's writes (the same connection).
store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self,
      std::shared_ptr<storage::database> db, const clock* wall);

} // namespace telclaude
