#pragma once

#include <memory>

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
};

/// Owns the SQLite connection (opened by the caller, so a bad database
/// stops start-up with a clear error). Spawn detached: every handler blocks
/// on disk. A storage failure answers the request with an error, so callers
/// fail closed.
store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self,
      std::shared_ptr<storage::database> db, const clock* wall);

} // namespace telclaude
