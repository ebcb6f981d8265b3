#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// One limit to check: at most `max` acquisitions for `key` in each fixed
/// window of `window_ms` (windows start at multiples of window_ms since the
/// epoch).
struct window_limit {
  std::string key;  // "global", "user:123", "tier:READ_ONLY", ...
  long long window_ms = 60'000;
  std::int64_t max = 0;  // 0 or less refuses everything
};

inline constexpr long long minute_ms = 60'000;
inline constexpr long long hour_ms = 3'600'000;

/// The answer of try_acquire().
struct acquire_result {
  bool allowed = true;
  /// When refused: the limit that refused (the one whose window ends last
  /// among those at their max; the first given on a tie), its index in the
  /// list given, and how long until its window ends.
  std::optional<window_limit> refused_by;
  std::size_t refused_index = 0;
  long long retry_after_ms = 0;

  explicit operator bool() const noexcept {
    return allowed;
  }
};

/// Fixed-window request counters (table `rate_windows`), in SQLite so a
/// restart does not reset them. Storage failures throw storage_error: the
/// caller refuses the request (fail closed). Keeps a reference to `db`.
class rate_windows {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS rate_windows (
      key             TEXT    NOT NULL,
      window_ms       INTEGER NOT NULL,
      window_start_ms INTEGER NOT NULL,
      count           INTEGER NOT NULL,
      PRIMARY KEY (key, window_ms, window_start_ms)
    ) WITHOUT ROWID;
  )sql";

  explicit rate_windows(database& db);

  /// In one transaction: checks every limit at `now_ms` and, only if all
  /// are below their max, counts one acquisition in each (a refused
  /// request counts nowhere). Windows that have ended are deleted, at most
  /// once per minute boundary (not a table scan per request).
  acquire_result try_acquire(const std::vector<window_limit>& limits,
                             long long now_ms);

  /// Acquisitions counted for `key` in the window of `now_ms`.
  std::int64_t used(std::string_view key, long long window_ms,
                    long long now_ms) const;

  /// Deletes windows that ended at or before `now_ms`; returns how many.
  std::size_t purge(long long now_ms);

private:
  database& db_;
  mutable statement select_;
  statement increment_;
  statement purge_;
  /// try_acquire() purges again from this time on.
  long long next_purge_ms_ = std::numeric_limits<long long>::min();
};

/// The start of the fixed window of `window_ms` that holds `now_ms`.
long long window_start(long long now_ms, long long window_ms) noexcept;

} // namespace telclaude::storage
