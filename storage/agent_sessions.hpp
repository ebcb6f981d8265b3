#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// The Claude Code session a chat (or the whole relay) continues.
struct agent_session {
  std::string key;  // per-sender: the chat; global: one shared key
  std::int64_t chat_id = 0;
  std::optional<std::string> agent_session_id;  // null: start a new one
  long long last_activity_ms = 0;
  int turns = 0;
};

/// Agent sessions by key (table `agent_sessions`).
class agent_sessions {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS agent_sessions (
      session_key      TEXT    PRIMARY KEY,
      chat_id          INTEGER NOT NULL,
      agent_session_id TEXT,
      last_activity_ms INTEGER NOT NULL,
      turns            INTEGER NOT NULL
    );
  )sql";

  explicit agent_sessions(database& db);

  std::optional<agent_session> get(std::string_view key) const;

  /// Inserts or replaces the session with `session.key`.
  void upsert(const agent_session& session);

  /// Forgets the agent session id and turn count (`/new`, idle timeout);
  /// the next message starts a fresh agent session. Unknown keys are
  /// ignored.
  void clear_agent_session(std::string_view key);

  /// Every session, by key.
  std::vector<agent_session> list() const;

  std::size_t count() const;

private:
  statement upsert_;
  statement clear_;
  mutable statement select_one_;
  mutable statement select_all_;
  mutable statement count_;
};

} // namespace telclaude::storage
