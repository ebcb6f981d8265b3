#define BOOST_TEST_MODULE routing
#include <boost/test/unit_test.hpp>

#include "chat/routing.hpp"

using namespace telclaude;
using namespace telclaude::chat;

namespace {

chat_message msg(std::int64_t chat, std::int64_t user, bool text = true) {
  chat_message m;
  m.chat_id = chat;
  m.user_id = user;
  m.has_text = text;
  m.text = text ? "hi" : "";
  return m;
}

} // namespace

BOOST_AUTO_TEST_CASE(chats_not_allowed_never_reach_a_conversation) {
  router_rules rules({42, -100}, scope::per_sender);
  BOOST_TEST(rules.decide(msg(7, 7)).kind == route::not_allowed);
  BOOST_TEST(rules.decide(msg(7, 7, false)).kind == route::not_allowed);
  BOOST_TEST(rules.decide(msg(42, 42)).kind == route::conversation);
}

BOOST_AUTO_TEST_CASE(non_text_is_unsupported) {
  router_rules rules({42}, scope::per_sender);
  BOOST_TEST(rules.decide(msg(42, 42, false)).kind == route::unsupported);
}

BOOST_AUTO_TEST_CASE(per_sender_keys_by_chat_and_user) {
  router_rules rules({-100}, scope::per_sender);
  auto a = rules.decide(msg(-100, 1)).session_key;
  auto b = rules.decide(msg(-100, 2)).session_key;
  BOOST_TEST(a != b);
  BOOST_TEST(a == "chat:-100:user:1");
}

BOOST_AUTO_TEST_CASE(global_scope_shares_one_conversation) {
  router_rules rules({1, 2}, scope::global);
  BOOST_TEST(rules.decide(msg(1, 1)).session_key
             == rules.decide(msg(2, 2)).session_key);
}
