#include "storage/admin.hpp"

namespace telclaude::storage {

admin::admin(database& db)
  : db_(db),
    select_(db.prepare("SELECT user_id, claimed_at_ms FROM admin")),
    insert_(db.prepare("INSERT INTO admin (slot, user_id, claimed_at_ms) "
                       "VALUES (1, ?1, ?2) ON CONFLICT (slot) DO NOTHING")),
    delete_(db.prepare("DELETE FROM admin")) {
}

std::optional<admin_record> admin::get() const {
  auto q = select_.scoped();
  if (!q->step())
    return std::nullopt;
  return admin_record{q->column_int64(0), q->column_int64(1)};
}

bool admin::claim(std::int64_t user_id, long long now_ms) {
  auto q = insert_.scoped();
  q->bind(1, user_id).bind(2, now_ms);
  q->step();
  return db_.changes() > 0;
}

bool admin::clear() {
  auto q = delete_.scoped();
  q->step();
  return db_.changes() > 0;
}

} // namespace telclaude::storage
