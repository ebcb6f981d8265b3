#include "storage/identity_links.hpp"

namespace telclaude::storage {

namespace {

identity_link read_link(statement& q) {
  return {q.column_int64(0), q.column_text(1), q.column_int64(2),
          q.column_text(3)};
}

} // namespace

identity_links::identity_links(database& db)
  : db_(db),
    select_(db.prepare("SELECT user_id, tier, linked_at_ms, linked_by "
                       "FROM identity_links WHERE user_id = ?1")),
    upsert_(db.prepare("INSERT OR REPLACE INTO identity_links "
                       "(user_id, tier, linked_at_ms, linked_by) "
                       "VALUES (?1, ?2, ?3, ?4)")),
    delete_(db.prepare("DELETE FROM identity_links WHERE user_id = ?1")),
    select_all_(db.prepare("SELECT user_id, tier, linked_at_ms, linked_by "
                           "FROM identity_links ORDER BY user_id")),
    count_(db.prepare("SELECT count(*) FROM identity_links")),
    delete_all_(db.prepare("DELETE FROM identity_links")) {
}

std::optional<identity_link> identity_links::get(std::int64_t user_id) const {
  auto q = select_.scoped();
  q->bind(1, user_id);
  if (!q->step())
    return std::nullopt;
  return read_link(*q);
}

void identity_links::upsert(const identity_link& link) {
  auto q = upsert_.scoped();
  q->bind(1, link.user_id)
    .bind(2, link.tier)
    .bind(3, link.linked_at_ms)
    .bind(4, link.linked_by);
  q->step();
}

bool identity_links::remove(std::int64_t user_id) {
  auto q = delete_.scoped();
  q->bind(1, user_id);
  q->step();
  return db_.changes() > 0;
}

std::vector<identity_link> identity_links::list() const {
  std::vector<identity_link> out;
  auto q = select_all_.scoped();
  while (q->step())
    out.push_back(read_link(*q));
  return out;
}

std::size_t identity_links::count() const {
  auto q = count_.scoped();
  q->step();
  return static_cast<std::size_t>(q->column_int64(0));
}

std::size_t identity_links::remove_all() {
  auto q = delete_all_.scoped();
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
