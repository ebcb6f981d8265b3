#include "storage/totp_sessions.hpp"

namespace telclaude::storage {

totp_sessions::totp_sessions(database& db)
  : db_(db),
    select_(db.prepare("SELECT enrolled_ms, session_expires_ms "
                       "FROM totp_sessions WHERE user_id = ?1")),
    enroll_(db.prepare("INSERT INTO totp_sessions (user_id, enrolled_ms) "
                       "VALUES (?1, ?2) ON CONFLICT (user_id) "
                       "DO UPDATE SET enrolled_ms = excluded.enrolled_ms")),
    unenroll_(db.prepare("DELETE FROM totp_sessions WHERE user_id = ?1")),
    open_(db.prepare("INSERT INTO totp_sessions (user_id, session_expires_ms) "
                     "VALUES (?1, ?2) ON CONFLICT (user_id) "
                     "DO UPDATE SET session_expires_ms = "
                     "excluded.session_expires_ms")),
    close_(db.prepare("UPDATE totp_sessions SET session_expires_ms = 0 "
                      "WHERE user_id = ?1 AND session_expires_ms > ?2")),
    delete_all_(db.prepare("DELETE FROM totp_sessions")) {
}

totp_state totp_sessions::get(std::int64_t user_id) const {
  totp_state s;
  s.user_id = user_id;
  auto q = select_.scoped();
  q->bind(1, user_id);
  if (!q->step())
    return s;
  if (!q->column_is_null(0))
    s.enrolled_ms = q->column_int64(0);
  s.session_expires_ms = q->column_int64(1);
  return s;
}

void totp_sessions::set_enrolled(std::int64_t user_id, long long now_ms) {
  auto q = enroll_.scoped();
  q->bind(1, user_id).bind(2, now_ms);
  q->step();
}

void totp_sessions::clear_enrolled(std::int64_t user_id) {
  auto q = unenroll_.scoped();
  q->bind(1, user_id);
  q->step();
}

void totp_sessions::open_session(std::int64_t user_id, long long expires_ms) {
  auto q = open_.scoped();
  q->bind(1, user_id).bind(2, expires_ms);
  q->step();
}

bool totp_sessions::close_session(std::int64_t user_id, long long now_ms) {
  auto q = close_.scoped();
  q->bind(1, user_id).bind(2, now_ms);
  q->step();
  return db_.changes() > 0;
}

std::size_t totp_sessions::remove_all() {
  auto q = delete_all_.scoped();
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
