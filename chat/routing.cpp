#include "chat/routing.hpp"

namespace telclaude::chat {

router_rules::router_rules(const std::vector<std::int64_t>& allowed_chats,
                           scope s, secret_check check)
  : allowed_(allowed_chats.begin(), allowed_chats.end()),
    scope_(s),
    check_(std::move(check)) {
}

std::string router_rules::session_key(const chat_message& msg) const {
  if (scope_ == scope::global)
    return "global";
  return "chat:" + std::to_string(msg.chat_id)
         + ":user:" + std::to_string(msg.user_id);
}

route router_rules::decide(const chat_message& msg) const {
  if (!allowed_.contains(msg.chat_id))
    return {route::not_allowed, {}, {}};
  if (!msg.has_text)
    return {route::unsupported, {}, {}};
  if (check_) {
    if (auto kinds = check_(msg.text); !kinds.empty())
      return {route::secret, {}, std::move(kinds)};
  }
  return {route::conversation, session_key(msg), {}};
}

std::string notice::secret_refused(const std::vector<std::string>& kinds) {
  std::string list;
  for (auto& k : kinds)
    list += (list.empty() ? "" : ", ") + k;
  return "🔒 Your message was not sent to the agent: it looks like it "
         "contains a secret ("
         + list
         + "). If the secret is real, consider it exposed and rotate it.";
}

} // namespace telclaude::chat
