#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace telclaude::storage {

/// What the relay knows of one user's 2FA (the secrets themselves live
/// only in the TOTP daemon).
struct totp_state {
  std::int64_t user_id = 0;
  /// When 2FA was enabled (set-up verified); nullopt: not enrolled, as far
  /// as the relay knows.
  std::optional<long long> enrolled_ms;
  /// The 2FA session is open while now_ms < session_expires_ms.
  long long session_expires_ms = 0;

  friend bool operator==(const totp_state&, const totp_state&) = default;
};

/// Who has 2FA on and whose 2FA session is open (table `totp_sessions`).
/// Whether a user is enrolled decides whether their approvals need 2FA,
/// so the relay need not ask the daemon about users without it. Keeps a
/// reference to `db`.
class totp_sessions {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS totp_sessions (
      user_id            INTEGER PRIMARY KEY,
      enrolled_ms        INTEGER,
      session_expires_ms INTEGER NOT NULL DEFAULT 0
    );
  )sql";

  explicit totp_sessions(database& db);

  /// The user's row; a default (not enrolled, no session) when none.
  totp_state get(std::int64_t user_id) const;

  /// Marks the user enrolled at `now_ms` (keeps a session).
  void set_enrolled(std::int64_t user_id, long long now_ms);

  /// Forgets the enrolment and closes the session.
  void clear_enrolled(std::int64_t user_id);

  /// Opens (or extends) the user's session until `expires_ms`.
  void open_session(std::int64_t user_id, long long expires_ms);

  /// Closes the user's session; false when none was open at `now_ms`.
  bool close_session(std::int64_t user_id, long long now_ms);

  /// Deletes every row; returns how many.
  std::size_t remove_all();

private:
  database& db_;
  mutable statement select_;
  statement enroll_;
  statement unenroll_;
  statement open_;
  statement close_;
  statement delete_all_;
};

} // namespace telclaude::storage
