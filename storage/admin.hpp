#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace telclaude::storage {

/// The one admin of this relay.
struct admin_record {
  std::int64_t user_id = 0;  // Telegram user id
  long long claimed_at_ms = 0;
};

/// Who the admin is (table `admin`, at most one row: `slot` is always 1,
/// so a second claim hits the primary key, whatever connection makes it).
/// Keeps a reference to `db`.
class admin {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS admin (
      slot          INTEGER PRIMARY KEY CHECK (slot = 1),
      user_id       INTEGER NOT NULL,
      claimed_at_ms INTEGER NOT NULL
    );
  )sql";

  explicit admin(database& db);

  std::optional<admin_record> get() const;

  /// Makes `user_id` the admin if there is none, atomically; false (and
  /// nothing changed) when an admin exists already, even the same user.
  [[nodiscard]] bool claim(std::int64_t user_id, long long now_ms);

  /// Removes the admin; false when there was none.
  bool clear();

private:
  database& db_;
  mutable statement select_;
  statement insert_;
  statement delete_;
};

} // namespace telclaude::storage
