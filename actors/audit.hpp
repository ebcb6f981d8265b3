#pragma once

#include <memory>
#include <optional>

#include "access/access_control.hpp"
#include "messages/actors.hpp"
#include "storage/audit_file.hpp"
#include "storage/audit_log.hpp"

namespace telclaude {

struct audit_state {
  static inline const char* name = "audit";
  std::shared_ptr<storage::database> db;
  std::unique_ptr<storage::audit_log> table;
  /// Opened by the caller, so a bad path stops start-up; only this actor
  /// appends through it.
  std::shared_ptr<storage::audit_file> file;
  access::redact_fn redact;
  std::uint64_t failures = 0;
  /// The open group: one transaction and one file sync for every record
  /// that was queued when the first of them arrived.
  std::optional<storage::transaction> group;
  /// Lines written to the file and not yet synced.
  std::size_t unsynced = 0;
  /// Records in the open group.
  std::size_t in_group = 0;
  /// A batch_end is queued to this actor.
  bool end_queued = false;
  /// Groups end at this size even while records keep coming.
  std::size_t max_group = 512;
};

/// Writes every audit event to the SQLite table and, when `file` is set,
/// the JSONL file. Only ever sees redacted text, and redacts the reason
/// and excerpt once more before writing (a producer's slip never reaches
/// disk). Spawn detached: records are written in groups — every record
/// queued when a group starts goes into one SQLite transaction and one
/// fdatasync of the file, done when the mailbox is drained (a batch_end
/// to itself), at `max_group` records, on drain and before the actor
/// ends. A failed write is logged and counted; it never stops the relay.
audit_actor::behavior_type
audit(audit_actor::stateful_pointer<audit_state> self,
      std::shared_ptr<storage::database> db,
      std::shared_ptr<storage::audit_file> file, access::redact_fn redact);

} // namespace telclaude
