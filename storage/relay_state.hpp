#pragma once

#include "storage/database.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace telclaude::storage {

/// Small named values the relay keeps across restarts (table
/// `relay_state`): the poll offset, the last poll time.
class relay_state {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS relay_state (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  )sql";

  explicit relay_state(database& db);

  std::optional<std::string> get(std::string_view key) const;

  /// Inserts or replaces the value of `key`.
  void set(std::string_view key, std::string_view value);

private:
  mutable statement select_;
  statement upsert_;
};

} // namespace telclaude::storage
