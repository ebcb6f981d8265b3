#include "storage/rate_windows.hpp"

namespace telclaude::storage {

long long window_start(long long now_ms, long long window_ms) noexcept {
  if (window_ms <= 0)
    return now_ms;
  auto rest = now_ms % window_ms;
  return now_ms - (rest < 0 ? rest + window_ms : rest);
}

rate_windows::rate_windows(database& db)
  : db_(db),
    select_(db.prepare("SELECT count FROM rate_windows WHERE key = ?1 "
                       "AND window_ms = ?2 AND window_start_ms = ?3")),
    increment_(db.prepare("INSERT INTO rate_windows "
                          "(key, window_ms, window_start_ms, count) "
                          "VALUES (?1, ?2, ?3, 1) "
                          "ON CONFLICT (key, window_ms, window_start_ms) "
                          "DO UPDATE SET count = count + 1")),
    purge_(db.prepare("DELETE FROM rate_windows "
                      "WHERE window_start_ms + window_ms <= ?1")) {
}

std::int64_t rate_windows::used(std::string_view key, long long window_ms,
                                long long now_ms) const {
  auto q = select_.scoped();
  q->bind(1, key).bind(2, window_ms).bind(3, window_start(now_ms, window_ms));
  return q->step() ? q->column_int64(0) : 0;
}

acquire_result rate_windows::try_acquire(
  const std::vector<window_limit>& limits, long long now_ms) {
  auto tx = db_.begin_immediate();
  // Windows end on minute boundaries (every window the relay uses is a
  // multiple of one): a purge per minute, not a table scan per request.
  // A row kept a little longer counts nowhere (used() reads the current
  // window only).
  if (now_ms >= next_purge_ms_) {
    purge(now_ms);
    next_purge_ms_ = window_start(now_ms, minute_ms) + minute_ms;
  }
  acquire_result result;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const auto& limit = limits[i];
    if (used(limit.key, limit.window_ms, now_ms) < limit.max)
      continue;
    auto retry_after =
      window_start(now_ms, limit.window_ms) + limit.window_ms - now_ms;
    if (result.allowed || retry_after > result.retry_after_ms) {
      result.allowed = false;
      result.refused_by = limit;
      result.refused_index = i;
      result.retry_after_ms = retry_after;
    }
  }
  if (!result.allowed) {
    tx.commit();  // only the purge: a refused request counts nowhere
    return result;
  }
  for (const auto& limit : limits) {
    auto q = increment_.scoped();
    q->bind(1, limit.key)
      .bind(2, limit.window_ms)
      .bind(3, window_start(now_ms, limit.window_ms));
    q->step();
  }
  tx.commit();
  return result;
}

std::size_t rate_windows::purge(long long now_ms) {
  auto q = purge_.scoped();
  q->bind(1, now_ms);
  q->step();
  return db_.changes();
}

} // namespace telclaude::storage
