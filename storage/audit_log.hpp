#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// One audit event. Text fields are stored as given: redacting excerpts is
/// the caller's job.
struct audit_record {
  std::int64_t id = 0;  // assigned by append(); 0 before
  long long time_ms = 0;
  std::optional<std::int64_t> chat_id;
  std::optional<std::int64_t> user_id;
  std::optional<std::string> tier;
  std::string event;    // request, refusal, approval, link, admin, ...
  std::string verdict;  // allowed, refused, approved, denied, ...
  std::string reason;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::string> agent_session_id;
  std::optional<double> cost_usd;
  std::string excerpt;  // redacted

  friend bool operator==(const audit_record&, const audit_record&) = default;
};

/// The SQLite side of the audit trail (table `audit_log`). Keeps a
/// reference to `db`.
class audit_log {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS audit_log (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      time_ms          INTEGER NOT NULL,
      chat_id          INTEGER,
      user_id          INTEGER,
      tier             TEXT,
      event            TEXT    NOT NULL,
      verdict          TEXT    NOT NULL,
      reason           TEXT    NOT NULL,
      duration_ms      INTEGER,
      agent_session_id TEXT,
      cost_usd         REAL,
      excerpt          TEXT    NOT NULL
    );
  )sql";

  explicit audit_log(database& db);

  /// Stores `record` (its id ignored); returns the id given to it.
  std::int64_t append(const audit_record& record);

  /// The last `n` records, oldest first.
  std::vector<audit_record> tail(std::size_t n) const;

  std::size_t count() const;

  /// How many records of `event` each verdict has since `since_ms`
  /// (inclusive), verdicts in name order: the counters `telclaude status`
  /// shows (e.g. the observer's classifications and breaker transitions).
  std::vector<std::pair<std::string, std::int64_t>>
  verdict_counts(std::string_view event, long long since_ms) const;

  /// The newest record of `event` whose verdict starts with `prefix`.
  std::optional<audit_record> last_with(std::string_view event,
                                        std::string_view prefix) const;

private:
  database& db_;
  statement insert_;
  mutable statement tail_;
  mutable statement count_;
  mutable statement verdicts_;
  mutable statement last_with_;
};

/// One JSON object on one line, no newline: `{"time_ms":...,"event":...}`
/// with absent optional fields as null; for the JSONL file and
/// `telclaude audit --json`.
std::string to_json_line(const audit_record& record);

} // namespace telclaude::storage
