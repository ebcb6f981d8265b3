#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "chat/conversation.hpp"
#include "core/clock.hpp"
#include "messages/actors.hpp"

namespace telclaude {

/// What one agent run is asked to do.
struct run_request {
  std::uint64_t turn = 0;
  std::string prompt;
  /// Empty for a fresh conversation.
  std::string resume_id;
  reply_target target;
  /// Who asked (sandbox.limits.maxAgentsPerUser counts by it).
  std::int64_t user_id = 0;
  /// The tier the gatekeeper granted ("READ_ONLY", ...): the agent's
  /// flags follow it. Empty or unknown runs as READ_ONLY.
  std::string tier;
};

/// Starts the agent run (and its redactor) for one turn; the run reports
/// `started` and `finished` to `session`, and the returned handle takes
/// `atom::stop` (a null handle: the run cannot be stopped). The seam where
/// tests put a scripted run instead of a process.
using agent_launcher = std::function<agent_run_actor(
  const run_request&, const chat_session_actor& session)>;

/// What every chat_session of a relay shares.
struct session_deps {
  store_actor store;
  outbox_actor outbox;
  /// Hears how each turn ended (null in tests that do not audit).
  audit_actor audit;
  agent_launcher launch;
  chat::conversation::options conversation;
  std::chrono::seconds typing_interval{8};
  const clock* wall = &system_clock::instance();
  /// Turn numbers unique within the process.
  std::shared_ptr<std::atomic<std::uint64_t>> turns
    = std::make_shared<std::atomic<std::uint64_t>>(0);
};

struct chat_session_state {
  static inline const char* name = "chat_session";
  std::unique_ptr<chat::conversation> conv;
  session_deps deps;
  bool typing_armed = false;
  /// The messages of turns launched and not yet finished, for the audit.
  std::map<std::uint64_t, chat_message> launched;
  /// The runs of those turns (for /stop).
  std::map<std::uint64_t, agent_run_actor> runs;
  /// Turns the user asked to stop (audited as "stopped").
  std::set<std::uint64_t> stopped;
};

/// One conversation: queues its messages and runs one turn at a time;
/// /stop, Stop presses and /status are answered at once, ahead of the
/// queue (chat/conversation.hpp has the rules).
chat_session_actor::behavior_type
chat_session(chat_session_actor::stateful_pointer<chat_session_state> self,
             std::string key, std::int64_t chat_id, session_deps deps);

} // namespace telclaude
