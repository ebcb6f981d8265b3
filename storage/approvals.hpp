#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// Where an approval stands; stored as "pending", "approved", "denied",
/// "expired".
enum class approval_status { pending, approved, denied, expired };

std::string_view to_string(approval_status status) noexcept;

/// A request waiting for (or past) `/approve <code>` or `/deny <code>`.
struct approval {
  std::string code;
  std::int64_t requester_id = 0;  // Telegram user id
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::int64_t update_id = 0;
  std::string tier;          // the requester's tier when asked
  std::string request_text;  // what runs once approved, as the caller gave it
  /// Only the admin may approve it (the requester may still deny it): a
  /// request the security observer blocked.
  bool admin_only = false;
  long long created_ms = 0;
  long long expires_ms = 0;  // decidable while now_ms < expires_ms
  approval_status status = approval_status::pending;
  std::optional<std::int64_t> decided_by;
  std::optional<long long> decided_ms;

  friend bool operator==(const approval&, const approval&) = default;
};

/// The outcome of one decide().
enum class decide_status {
  approved,         // this call approved it: run the request
  denied,           // this call denied it
  not_found,        // no such code
  expired,          // it expired before being decided (now marked expired)
  already_decided,  // someone decided it before (approved or denied)
  not_allowed,      // the decider is neither the requester nor the admin,
                    // or the requester approving an admin-only request
};

std::string_view to_string(decide_status status) noexcept;

struct decide_result {
  decide_status status = decide_status::not_found;
  std::optional<approval> request;  // the row after the call, when found
};

/// Requests that need a human's approval (table `approvals`). Each is
/// decided exactly once, in one transaction, even by racing connections;
/// pending ones survive a restart. Keeps a reference to `db`.
class approvals {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS approvals (
      code         TEXT    PRIMARY KEY,
      requester_id INTEGER NOT NULL,
      chat_id      INTEGER NOT NULL,
      message_id   INTEGER NOT NULL,
      update_id    INTEGER NOT NULL,
      tier         TEXT    NOT NULL,
      request_text TEXT    NOT NULL,
      admin_only   INTEGER NOT NULL DEFAULT 0,
      created_ms   INTEGER NOT NULL,
      expires_ms   INTEGER NOT NULL,
      status       TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
      decided_by   INTEGER,
      decided_ms   INTEGER
    );
    CREATE INDEX IF NOT EXISTS approvals_pending
      ON approvals (chat_id, created_ms) WHERE status = 'pending';
  )sql";

  explicit approvals(database& db);

  /// Stores a pending approval (status and decision fields are ignored);
  /// false (nothing stored) when the code exists, so the caller draws
  /// another.
  [[nodiscard]] bool create(const approval& request);

  std::optional<approval> get(std::string_view code) const;

  /// Approves or denies `code` for `decider_id`, in one transaction: only
  /// a pending, unexpired approval, only by its requester or by
  /// `admin_id` (an `admin_only` one is approved only by the admin). A pending one found expired is marked expired. Throws
  /// storage_error (nothing decided) when SQLite fails.
  decide_result decide(std::string_view code, std::int64_t decider_id,
                       std::optional<std::int64_t> admin_id, bool approve,
                       long long now_ms);

  /// Pending, unexpired approvals of `chat_id`, oldest first.
  std::vector<approval> pending_for_chat(std::int64_t chat_id,
                                         long long now_ms) const;

  /// Marks pending approvals past their expiry as expired; returns how
  /// many.
  std::size_t expire_old(long long now_ms);

  /// Deletes every approval; returns how many.
  std::size_t remove_all();

private:
  database& db_;
  statement insert_;
  mutable statement select_;
  statement set_status_;
  mutable statement select_pending_;
  statement expire_;
  statement delete_all_;
};

} // namespace telclaude::storage
