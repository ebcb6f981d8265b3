#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace telclaude::storage {

/// What a short-lived code is for.
enum class auth_purpose {
  admin_claim,  // "admin_claim": `/approve <code>` claims admin
  link,         // "link": `/link <code>` links a user (from `telclaude link`)
};

/// "admin_claim" or "link".
std::string_view to_string(auth_purpose purpose) noexcept;

/// One issued code.
struct auth_code {
  std::string code;
  auth_purpose purpose = auth_purpose::link;
  std::int64_t subject = 0;  // the user (or chat) the code was issued for
  long long created_ms = 0;
  long long expires_ms = 0;  // valid while now_ms < expires_ms

  friend bool operator==(const auth_code&, const auth_code&) = default;
};

/// How a consume went.
enum class consume_status {
  consumed,   // the code was valid; it is gone now
  not_found,  // no such code for this purpose (wrong, or already used)
  expired,    // it existed but had expired; it is gone now
};

struct consume_result {
  consume_status status = consume_status::not_found;
  std::optional<auth_code> code;  // set when consumed

  explicit operator bool() const noexcept {
    return status == consume_status::consumed;
  }
};

/// Short-lived one-time codes (table `auth_codes`): admin claims and link
/// codes. Keeps a reference to `db`.
class auth_codes {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS auth_codes (
      code       TEXT    PRIMARY KEY,
      purpose    TEXT    NOT NULL,
      subject    INTEGER NOT NULL,
      created_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    );
  )sql";

  explicit auth_codes(database& db);

  /// Stores a new code; false (nothing stored) when the code exists
  /// already, so the caller draws another.
  [[nodiscard]] bool issue(const auth_code& code);

  /// Takes the code, once: in one transaction, returns it and deletes it
  /// when it exists for `purpose` and has not expired. An expired code is
  /// deleted too and reported as expired; a code of another purpose is
  /// left alone and reported as not found.
  consume_result consume(auth_purpose purpose, std::string_view code,
                         long long now_ms);

  /// Codes not yet used or expired for `purpose`.
  std::size_t count_valid(auth_purpose purpose, long long now_ms) const;

  /// Deletes expired codes; returns how many.
  std::size_t purge_expired(long long now_ms);

  /// Deletes every code; returns how many.
  std::size_t remove_all();

private:
  database& db_;
  statement insert_;
  statement select_;
  statement delete_;
  mutable statement count_valid_;
  statement purge_;
  statement delete_all_;
};

} // namespace telclaude::storage
