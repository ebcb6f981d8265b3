#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "messages/messages.hpp"

namespace telclaude::chat {

/// How conversations are keyed: one per sender in each chat, or one for
/// everybody.
enum class scope { per_sender, global };

/// Where an update goes.
struct route {
  enum kind_t {
    /// To the conversation named by `session_key`.
    conversation,
    /// The chat is not in `allowedChats`: dropped, never near the agent.
    not_allowed,
    /// No text (photo, sticker, ...): answered with a short notice.
    unsupported,
  };
  kind_t kind = not_allowed;
  std::string session_key;
};

/// Decides where updates go. Pure logic for the router actor.
class router_rules {
public:
  router_rules(const std::vector<std::int64_t>& allowed_chats, scope s);

  /// Routes one update.
  route decide(const chat_message& msg) const;

  /// The conversation key of a message under this scope.
  std::string session_key(const chat_message& msg) const;

private:
  std::unordered_set<std::int64_t> allowed_;
  scope scope_;
};

/// Fixed texts the relay sends itself (never agent output).
namespace notice {
inline constexpr const char* unsupported
  = "Only text messages are supported yet.";
inline constexpr const char* new_conversation
  = "Started a new conversation.";
} // namespace notice

} // namespace telclaude::chat
