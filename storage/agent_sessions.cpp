#include "storage/agent_sessions.hpp"

namespace telclaude::storage {

namespace {

constexpr std::string_view columns =
  "session_key, chat_id, agent_session_id, last_activity_ms, turns";

agent_session read_row(const statement& row) {
  return {row.column_text(0), row.column_int64(1),
          row.column_optional_text(2), row.column_int64(3),
          static_cast<int>(row.column_int64(4))};
}

std::string select_sql(std::string_view tail) {
  return "SELECT " + std::string{columns} + " FROM agent_sessions "
       + std::string{tail};
}

} // namespace

agent_sessions::agent_sessions(database& db)
  : upsert_(db.prepare(
      "INSERT INTO agent_sessions (" + std::string{columns}
      + ") VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (session_key) DO UPDATE "
        "SET chat_id = excluded.chat_id, "
        "agent_session_id = excluded.agent_session_id, "
        "last_activity_ms = excluded.last_activity_ms, "
        "turns = excluded.turns")),
    clear_(db.prepare("UPDATE agent_sessions SET agent_session_id = NULL, "
                      "turns = 0 WHERE session_key = ?1")),
    select_one_(db.prepare(select_sql("WHERE session_key = ?1"))),
    select_all_(db.prepare(select_sql("ORDER BY session_key"))),
    count_(db.prepare("SELECT count(*) FROM agent_sessions")) {
}

std::optional<agent_session> agent_sessions::get(std::string_view key) const {
  auto q = select_one_.scoped();
  q->bind(1, key);
  if (!q->step())
    return std::nullopt;
  return read_row(*q);
}

void agent_sessions::upsert(const agent_session& session) {
  auto q = upsert_.scoped();
  q->bind(1, std::string_view{session.key})
    .bind(2, session.chat_id)
    .bind(3, session.agent_session_id)
    .bind(4, session.last_activity_ms)
    .bind(5, session.turns);
  q->step();
}

void agent_sessions::clear_agent_session(std::string_view key) {
  auto q = clear_.scoped();
  q->bind(1, key);
  q->step();
}

std::vector<agent_session> agent_sessions::list() const {
  std::vector<agent_session> out;
  auto q = select_all_.scoped();
  while (q->step())
    out.push_back(read_row(*q));
  return out;
}

std::size_t agent_sessions::count() const {
  auto q = count_.scoped();
  q->step();
  return static_cast<std::size_t>(q->column_int64(0));
}

} // namespace telclaude::storage
