#include "storage/inbox.hpp"

namespace telclaude::storage {

inbox::inbox(database& db)
  : db_(db),
    insert_(db.prepare("INSERT OR IGNORE INTO inbox "
                       "(update_id, chat_id, payload, received_ms) "
                       "VALUES (?1, ?2, ?3, ?4)")),
    mark_done_(db.prepare("UPDATE inbox SET done_ms = ?2 "
                          "WHERE update_id = ?1 AND done_ms IS NULL")),
    select_pending_(db.prepare("SELECT update_id, chat_id, payload, "
                               "received_ms FROM inbox "
                               "WHERE done_ms IS NULL ORDER BY update_id")),
    count_pending_(
      db.prepare("SELECT count(*) FROM inbox WHERE done_ms IS NULL")),
    select_max_(db.prepare("SELECT max(update_id) FROM inbox")),
    prune_(db.prepare("DELETE FROM inbox "
                      "WHERE done_ms IS NOT NULL AND done_ms < ?1")) {
}

std::vector<std::int64_t> inbox::add(const std::vector<inbox_entry>& entries) {
  std::vector<std::int64_t> added;
  auto tx = db_.begin_immediate();
  for (const auto& entry : entries) {
    auto q = insert_.scoped();
    q->bind(1, entry.update_id)
      .bind(2, entry.chat_id)
      .bind(3, std::string_view{entry.payload})
      .bind(4, entry.received_ms);
    q->step();
    if (db_.changes() > 0)
      added.push_back(entry.update_id);
  }
  tx.commit();
  return added;
}

void inbox::mark_done(std::int64_t update_id, long long now_ms) {
  auto q = mark_done_.scoped();
  q->bind(1, update_id).bind(2, now_ms);
  q->step();
}

std::vector<inbox_entry> inbox::pending() const {
  std::vector<inbox_entry> out;
  auto q = select_pending_.scoped();
  while (q->step())
    out.push_back({q->column_int64(0), q->column_int64(1), q->column_text(2),
                   q->column_int64(3)});
  return out;
}

std::size_t inbox::pending_count() const {
  auto q = count_pending_.scoped();
  q->step();
  return static_cast<std::size_t>(q->column_int64(0));
}

std::optional<std::int64_t> inbox::max_update_id() const {
  auto q = select_max_.scoped();
  q->step();
  if (q->column_is_null(0))
    return std::nullopt;
  return q->column_int64(0);
}

std::size_t inbox::prune_done(long long older_than_ms) {
  auto q = prune_.scoped();
  q->bind(1, older_than_ms);
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
