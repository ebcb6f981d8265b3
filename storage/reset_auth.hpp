#pragma once

#include <cstddef>

namespace telclaude::storage {

class database;

/// What reset_auth() removed.
struct reset_auth_counts {
  std::size_t links = 0;
  std::size_t admins = 0;  // 0 or 1
  std::size_t codes = 0;
  std::size_t approvals = 0;
  /// 2FA sessions and enrolment records (the daemon keeps the secrets).
  std::size_t totp_sessions = 0;
};

/// `telclaude reset-auth`: removes every identity link, the admin, every
/// auth code, every approval and every 2FA session, in one transaction
/// (all or nothing). Throws storage_error on failure.
reset_auth_counts reset_auth(database& db);

} // namespace telclaude::storage
