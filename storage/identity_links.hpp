#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// A Telegram user linked to a permission tier.
struct identity_link {
  std::int64_t user_id = 0;  // Telegram user id
  std::string tier;          // "READ_ONLY", "WRITE_SAFE" or "FULL_ACCESS"
  long long linked_at_ms = 0;
  std::string linked_by;     // "admin-claim", "link-code", or a CLI note

  friend bool operator==(const identity_link&, const identity_link&) = default;
};

/// Telegram users linked to a tier (table `identity_links`): by the admin
/// claim, a `/link` code or the CLI. Keeps a reference to `db`.
class identity_links {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS identity_links (
      user_id      INTEGER PRIMARY KEY,
      tier         TEXT    NOT NULL,
      linked_at_ms INTEGER NOT NULL,
      linked_by    TEXT    NOT NULL
    );
  )sql";

  explicit identity_links(database& db);

  std::optional<identity_link> get(std::int64_t user_id) const;

  /// Inserts the link or replaces the one of the same user.
  void upsert(const identity_link& link);

  /// Removes the user's link; false when there was none.
  bool remove(std::int64_t user_id);

  /// Every link, by user id.
  std::vector<identity_link> list() const;

  std::size_t count() const;

  /// Removes every link; returns how many.
  std::size_t remove_all();

private:
  database& db_;
  mutable statement select_;
  statement upsert_;
  statement delete_;
  mutable statement select_all_;
  mutable statement count_;
  statement delete_all_;
};

} // namespace telclaude::storage
