#include "chat/routing.hpp"

namespace telclaude::chat {

router_rules::router_rules(const std::vector<std::int64_t>& allowed_chats,
                           scope s)
  : allowed_(allowed_chats.begin(), allowed_chats.end()), scope_(s) {
}

std::string router_rules::session_key(const chat_message& msg) const {
  if (scope_ == scope::global)
    return "global";
  return "chat:" + std::to_string(msg.chat_id)
         + ":user:" + std::to_string(msg.user_id);
}

route router_rules::decide(const chat_message& msg) const {
  if (!allowed_.contains(msg.chat_id))
    return {route::not_allowed, {}};
  if (!msg.has_text)
    return {route::unsupported, {}};
  return {route::conversation, session_key(msg)};
}

} // namespace telclaude::chat
