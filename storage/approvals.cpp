#include "storage/approvals.hpp"

#include <array>

namespace telclaude::storage {

namespace {

constexpr std::string_view columns =
  "code, requester_id, chat_id, message_id, update_id, tier, request_text, "
  "created_ms, expires_ms, status, decided_by, decided_ms, admin_only";

constexpr std::array<approval_status, 4> statuses{
  approval_status::pending, approval_status::approved,
  approval_status::denied, approval_status::expired};

approval_status status_named(std::string_view name) {
  for (auto status : statuses)
    if (to_string(status) == name)
      return status;
  return approval_status::expired;  // unknown: never decidable
}

approval read_approval(statement& q) {
  approval a;
  a.code = q.column_text(0);
  a.requester_id = q.column_int64(1);
  a.chat_id = q.column_int64(2);
  a.message_id = q.column_int64(3);
  a.update_id = q.column_int64(4);
  a.tier = q.column_text(5);
  a.request_text = q.column_text(6);
  a.created_ms = q.column_int64(7);
  a.expires_ms = q.column_int64(8);
  a.status = status_named(q.column_text(9));
  a.decided_by = q.column_optional_int64(10);
  a.decided_ms = q.column_optional_int64(11);
  a.admin_only = q.column_int64(12) != 0;
  return a;
}

std::string select_sql(std::string_view where) {
  return "SELECT " + std::string{columns} + " FROM approvals " + std::string{where};
}

} // namespace

std::string_view to_string(approval_status status) noexcept {
  switch (status) {
  case approval_status::approved:
    return "approved";
  case approval_status::denied:
    return "denied";
  case approval_status::expired:
    return "expired";
  case approval_status::pending:
    break;
  }
  return "pending";
}

std::string_view to_string(decide_status status) noexcept {
  switch (status) {
  case decide_status::approved:
    return "approved";
  case decide_status::denied:
    return "denied";
  case decide_status::expired:
    return "expired";
  case decide_status::already_decided:
    return "already_decided";
  case decide_status::not_allowed:
    return "not_allowed";
  case decide_status::not_found:
    break;
  }
  return "not_found";
}

approvals::approvals(database& db)
  : db_(db),
    insert_(db.prepare("INSERT INTO approvals (code, requester_id, chat_id, "
                       "message_id, update_id, tier, request_text, "
                       "created_ms, expires_ms, admin_only) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                       "ON CONFLICT (code) DO NOTHING")),
    select_(db.prepare(select_sql("WHERE code = ?1"))),
    set_status_(db.prepare("UPDATE approvals SET status = ?2, "
                           "decided_by = ?3, decided_ms = ?4 "
                           "WHERE code = ?1 AND status = 'pending'")),
    select_pending_(db.prepare(select_sql(
      "WHERE chat_id = ?1 AND status = 'pending' AND expires_ms > ?2 "
      "ORDER BY created_ms, code"))),
    expire_(db.prepare("UPDATE approvals SET status = 'expired' "
                       "WHERE status = 'pending' AND expires_ms <= ?1")),
    delete_all_(db.prepare("DELETE FROM approvals")) {
}

bool approvals::create(const approval& request) {
  auto q = insert_.scoped();
  q->bind(1, request.code)
    .bind(2, request.requester_id)
    .bind(3, request.chat_id)
    .bind(4, request.message_id)
    .bind(5, request.update_id)
    .bind(6, request.tier)
    .bind(7, request.request_text)
    .bind(8, request.created_ms)
    .bind(9, request.expires_ms)
    .bind(10, std::int64_t{request.admin_only ? 1 : 0});
  q->step();
  return db_.changes() > 0;
}

std::optional<approval> approvals::get(std::string_view code) const {
  auto q = select_.scoped();
  q->bind(1, code);
  if (!q->step())
    return std::nullopt;
  return read_approval(*q);
}

decide_result approvals::decide(std::string_view code, std::int64_t decider_id,
                                std::optional<std::int64_t> admin_id,
                                bool approve, long long now_ms) {
  // BEGIN IMMEDIATE holds the write lock from the read on: a racing
  // connection waits, then reads the decided row.
  auto tx = db_.begin_immediate();
  auto found = get(code);
  if (!found)
    return {decide_status::not_found, std::nullopt};
  if (decider_id != found->requester_id && decider_id != admin_id)
    return {decide_status::not_allowed, std::move(found)};
  if (approve && found->admin_only && decider_id != admin_id)
    return {decide_status::not_allowed, std::move(found)};
  if (found->status == approval_status::expired)
    return {decide_status::expired, std::move(found)};
  if (found->status != approval_status::pending)
    return {decide_status::already_decided, std::move(found)};

  decide_status outcome;
  {
    auto q = set_status_.scoped();
    q->bind(1, code);
    if (now_ms >= found->expires_ms) {
      found->status = approval_status::expired;
      q->bind(2, to_string(found->status))
        .bind(3, std::nullopt)
        .bind(4, std::nullopt);
      outcome = decide_status::expired;
    } else {
      found->status = approve ? approval_status::approved
                              : approval_status::denied;
      found->decided_by = decider_id;
      found->decided_ms = now_ms;
      q->bind(2, to_string(found->status)).bind(3, decider_id).bind(4, now_ms);
      outcome = approve ? decide_status::approved : decide_status::denied;
    }
    q->step();
  }
  tx.commit();
  return {outcome, std::move(found)};
}

std::vector<approval> approvals::pending_for_chat(std::int64_t chat_id,
                                                  long long now_ms) const {
  std::vector<approval> out;
  auto q = select_pending_.scoped();
  q->bind(1, chat_id).bind(2, now_ms);
  while (q->step())
    out.push_back(read_approval(*q));
  return out;
}

std::size_t approvals::expire_old(long long now_ms) {
  auto q = expire_.scoped();
  q->bind(1, now_ms);
  q->step();
  return db_.changes();
}

std::size_t approvals::remove_all() {
  auto q = delete_all_.scoped();
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
