#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// One Telegram update as received, before it is handled.
struct inbox_entry {
  std::int64_t update_id = 0;
  std::int64_t chat_id = 0;
  std::string payload;  // the raw update JSON
  long long received_ms = 0;
};

/// The durable queue of received updates (table `inbox`). An update is
/// stored before its offset is acknowledged to Telegram and marked done
/// once handled, so a crash in between replays it instead of losing it.
/// Keeps a reference to `db`, which must outlive it and stay in place.
class inbox {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS inbox (
      update_id   INTEGER PRIMARY KEY,
      chat_id     INTEGER NOT NULL,
      payload     TEXT    NOT NULL,
      received_ms INTEGER NOT NULL,
      done_ms     INTEGER
    );
    CREATE INDEX IF NOT EXISTS inbox_pending
      ON inbox (update_id) WHERE done_ms IS NULL;
  )sql";

  explicit inbox(database& db);

  /// Stores `entries` in one transaction (one sync for a whole poll);
  /// update ids already stored are ignored. Returns the ids that were new,
  /// in the order given.
  std::vector<std::int64_t> add(const std::vector<inbox_entry>& entries);

  /// Marks an update handled; unknown or already done ids are ignored.
  void mark_done(std::int64_t update_id, long long now_ms);

  /// Updates not yet done, oldest update id first.
  std::vector<inbox_entry> pending() const;

  std::size_t pending_count() const;

  /// The highest update id stored (done or not), nullopt when empty.
  std::optional<std::int64_t> max_update_id() const;

  /// Deletes updates done before `older_than_ms`; returns how many.
  std::size_t prune_done(long long older_than_ms);

private:
  database& db_;
  statement insert_;
  statement mark_done_;
  mutable statement select_pending_;
  mutable statement count_pending_;
  mutable statement select_max_;
  statement prune_;
};

} // namespace telclaude::storage
