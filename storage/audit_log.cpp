#include "storage/audit_log.hpp"

#include <nlohmann/json.hpp>

namespace telclaude::storage {

namespace {

/// The row `q` stands on (columns in the order tail_ selects them).
audit_record read_record(const statement& q) {
  audit_record r;
  r.id = q.column_int64(0);
  r.time_ms = q.column_int64(1);
  r.chat_id = q.column_optional_int64(2);
  r.user_id = q.column_optional_int64(3);
  r.tier = q.column_optional_text(4);
  r.event = q.column_text(5);
  r.verdict = q.column_text(6);
  r.reason = q.column_text(7);
  r.duration_ms = q.column_optional_int64(8);
  r.agent_session_id = q.column_optional_text(9);
  r.cost_usd = q.column_optional_double(10);
  r.excerpt = q.column_text(11);
  return r;
}

} // namespace

audit_log::audit_log(database& db)
  : db_(db),
    insert_(db.prepare("INSERT INTO audit_log (time_ms, chat_id, user_id, "
                       "tier, event, verdict, reason, duration_ms, "
                       "agent_session_id, cost_usd, excerpt) VALUES "
                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                       "RETURNING id")),
    tail_(db.prepare("SELECT id, time_ms, chat_id, user_id, tier, event, "
                     "verdict, reason, duration_ms, agent_session_id, "
                     "cost_usd, excerpt FROM (SELECT * FROM audit_log "
                     "ORDER BY id DESC LIMIT ?1) ORDER BY id")),
    count_(db.prepare("SELECT count(*) FROM audit_log")),
    verdicts_(db.prepare("SELECT verdict, count(*) FROM audit_log "
                         "WHERE event = ?1 AND time_ms >= ?2 "
                         "GROUP BY verdict ORDER BY verdict")),
    last_with_(db.prepare("SELECT id, time_ms, chat_id, user_id, tier, "
                          "event, verdict, reason, duration_ms, "
                          "agent_session_id, cost_usd, excerpt FROM "
                          "audit_log WHERE event = ?1 AND substr(verdict, 1, "
                          "length(?2)) = ?2 ORDER BY id DESC LIMIT 1")) {
}

std::int64_t audit_log::append(const audit_record& record) {
  auto q = insert_.scoped();
  q->bind(1, record.time_ms)
    .bind(2, record.chat_id)
    .bind(3, record.user_id)
    .bind(4, record.tier)
    .bind(5, record.event)
    .bind(6, record.verdict)
    .bind(7, record.reason)
    .bind(8, record.duration_ms)
    .bind(9, record.agent_session_id)
    .bind(10, record.cost_usd)
    .bind(11, record.excerpt);
  q->step();
  auto id = q->column_int64(0);
  while (q->step()) {
  }
  return id;
}

std::vector<audit_record> audit_log::tail(std::size_t n) const {
  std::vector<audit_record> out;
  auto q = tail_.scoped();
  q->bind(1, static_cast<std::int64_t>(n));
  while (q->step())
    out.push_back(read_record(*q));
  return out;
}

std::size_t audit_log::count() const {
  auto q = count_.scoped();
  q->step();
  return static_cast<std::size_t>(q->column_int64(0));
}

std::vector<std::pair<std::string, std::int64_t>>
audit_log::verdict_counts(std::string_view event, long long since_ms) const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  auto q = verdicts_.scoped();
  q->bind(1, event).bind(2, since_ms);
  while (q->step())
    out.emplace_back(q->column_text(0), q->column_int64(1));
  return out;
}

std::optional<audit_record> audit_log::last_with(std::string_view event,
                                                 std::string_view prefix) const {
  auto q = last_with_.scoped();
  q->bind(1, event).bind(2, prefix);
  if (!q->step())
    return std::nullopt;
  return read_record(*q);
}

std::string to_json_line(const audit_record& r) {
  auto optional = [](const auto& value) {
    return value ? nlohmann::ordered_json(*value)
                 : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json line;
  line["time_ms"] = r.time_ms;
  line["chat_id"] = optional(r.chat_id);
  line["user_id"] = optional(r.user_id);
  line["tier"] = optional(r.tier);
  line["event"] = r.event;
  line["verdict"] = r.verdict;
  line["reason"] = r.reason;
  line["duration_ms"] = optional(r.duration_ms);
  line["agent_session_id"] = optional(r.agent_session_id);
  line["cost_usd"] = optional(r.cost_usd);
  line["excerpt"] = r.excerpt;
  // Invalid UTF-8 in an excerpt becomes U+FFFD instead of throwing.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace telclaude::storage
