#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
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
    /// The text carries a secret: refused, never sent to the agent.
    secret,
  };
  kind_t kind = not_allowed;
  std::string session_key;
  /// For `secret`: which kinds of secret were found (never the values).
  std::vector<std::string> secret_kinds;
};

/// Names the kinds of secret in a text (empty when there are none).
using secret_check
  = std::function<std::vector<std::string>(std::string_view text)>;

/// Decides where updates go. Pure logic for the router actor.
class router_rules {
public:
  router_rules(const std::vector<std::int64_t>& allowed_chats, scope s,
               secret_check check = {});

  /// Routes one update.
  route decide(const chat_message& msg) const;

  /// The conversation key of a message under this scope.
  std::string session_key(const chat_message& msg) const;

private:
  std::unordered_set<std::int64_t> allowed_;
  scope scope_;
  secret_check check_;
};

/// Fixed texts the relay sends itself (never agent output).
namespace notice {
inline constexpr const char* unsupported
  = "Only text messages are supported yet.";
inline constexpr const char* new_conversation
  = "Started a new conversation.";

/// The refusal for a message that carries a secret.
std::string secret_refused(const std::vector<std::string>& kinds);
} // namespace notice

} // namespace telclaude::chat
