#include "storage/relay_state.hpp"

namespace telclaude::storage {

relay_state::relay_state(database& db)
  : select_(db.prepare("SELECT value FROM relay_state WHERE key = ?1")),
    upsert_(db.prepare("INSERT INTO relay_state (key, value) VALUES (?1, ?2) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
}

std::optional<std::string> relay_state::get(std::string_view key) const {
  auto q = select_.scoped();
  q->bind(1, key);
  if (!q->step())
    return std::nullopt;
  return q->column_text(0);
}

void relay_state::set(std::string_view key, std::string_view value) {
  auto q = upsert_.scoped();
  q->bind(1, key).bind(2, value);
  q->step();
}

} // namespace telclaude::storage
