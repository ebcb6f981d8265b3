#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/send.hpp>

#include "actors/chat_session.hpp"
#include "chat/routing.hpp"
#include "messages/actors.hpp"

namespace telclaude {

/// How the router keeps its sessions.
struct router_options {
  std::vector<std::int64_t> allowed_chats;
  chat::scope scope = chat::scope::per_sender;
  /// An idle chat_session actor ends after this long; its conversation
  /// record stays in SQLite and a new actor picks it up.
  std::chrono::milliseconds session_ttl = std::chrono::minutes{10};
  /// How often idle sessions are looked for.
  std::chrono::milliseconds sweep_interval = std::chrono::minutes{1};
  /// Finds secrets in inbound text; a message with one never reaches the
  /// agent.
  chat::secret_check secrets;
  /// `inbound.reply.enabled`: when false, messages are received and stored
  /// but never answered.
  bool replies_enabled = true;
  /// Decides every message bound for a conversation, and every button
  /// press; only what it allows reaches a chat_session.
  gatekeeper_actor gatekeeper;
};

struct router_state {
  static inline const char* name = "router";
  struct entry {
    chat_session_actor handle;
    caf::actor_clock::time_point last_seen;
    /// An expire request is in flight; messages wait in `held`.
    bool expiring = false;
    std::vector<chat_message> held;
  };
  std::unique_ptr<chat::router_rules> rules;
  router_options opts;
  session_deps deps;
  std::unordered_map<std::string, entry> sessions;
  /// Gate answers of one chat's messages, applied in arrival order: the
  /// gatekeeper may answer a later message first (the security observer
  /// decides some at once and asks a model about others).
  struct gate_order {
    std::uint64_t next_asked = 0;
    std::uint64_t next_applied = 0;
    std::map<std::uint64_t, std::pair<chat_message, gate_reply>> ready;
  };
  std::unordered_map<std::int64_t, gate_order> gate_orders;

  /// Sessions do not outlive their router.
  ~router_state() {
    for (auto& [key, e] : sessions)
      if (e.handle)
        caf::anon_send_exit(e.handle, caf::exit_reason::user_shutdown);
  }
};

/// Routes each update: chats not allowed and messages carrying a secret
/// are refused (and audited), the rest asks the gatekeeper, and what it
/// allows goes to its conversation's chat_session (spawned on demand).
/// Ends idle sessions.
router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_options opts,
       session_deps deps);

} // namespace telclaude
