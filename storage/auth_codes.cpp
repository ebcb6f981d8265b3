#include "storage/auth_codes.hpp"

namespace telclaude::storage {

std::string_view to_string(auth_purpose purpose) noexcept {
  return purpose == auth_purpose::admin_claim ? "admin_claim" : "link";
}

auth_codes::auth_codes(database& db)
  : db_(db),
    insert_(db.prepare("INSERT INTO auth_codes "
                       "(code, purpose, subject, created_ms, expires_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT (code) DO NOTHING")),
    select_(db.prepare("SELECT subject, created_ms, expires_ms "
                       "FROM auth_codes WHERE code = ?1 AND purpose = ?2")),
    delete_(db.prepare("DELETE FROM auth_codes WHERE code = ?1")),
    count_valid_(db.prepare("SELECT count(*) FROM auth_codes "
                            "WHERE purpose = ?1 AND expires_ms > ?2")),
    purge_(db.prepare("DELETE FROM auth_codes WHERE expires_ms <= ?1")),
    delete_all_(db.prepare("DELETE FROM auth_codes")) {
}

bool auth_codes::issue(const auth_code& code) {
  auto q = insert_.scoped();
  q->bind(1, code.code)
    .bind(2, to_string(code.purpose))
    .bind(3, code.subject)
    .bind(4, code.created_ms)
    .bind(5, code.expires_ms);
  q->step();
  return db_.changes() > 0;
}

consume_result auth_codes::consume(auth_purpose purpose, std::string_view code,
                                   long long now_ms) {
  auto tx = db_.begin_immediate();
  auth_code found{std::string{code}, purpose, 0, 0, 0};
  {
    auto q = select_.scoped();
    q->bind(1, code).bind(2, to_string(purpose));
    if (!q->step())
      return {};
    found.subject = q->column_int64(0);
    found.created_ms = q->column_int64(1);
    found.expires_ms = q->column_int64(2);
  }
  {
    auto q = delete_.scoped();
    q->bind(1, code);
    q->step();
  }
  tx.commit();
  if (now_ms >= found.expires_ms)
    return {consume_status::expired, std::nullopt};
  return {consume_status::consumed, std::move(found)};
}

std::size_t auth_codes::count_valid(auth_purpose purpose,
                                    long long now_ms) const {
  auto q = count_valid_.scoped();
  q->bind(1, to_string(purpose)).bind(2, now_ms);
  q->step();
  return static_cast<std::size_t>(q->column_int64(0));
}

std::size_t auth_codes::purge_expired(long long now_ms) {
  auto q = purge_.scoped();
  q->bind(1, now_ms);
  q->step();
  return db_.changes();
}

std::size_t auth_codes::remove_all() {
  auto q = delete_all_.scoped();
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
