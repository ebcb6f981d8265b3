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

BOOST_AUTO_TEST_CASE(a_message_with_a_secret_is_refused) {
  router_rules rules({42}, scope::per_sender,
                     [](std::string_view text) {
                       return text.find("sk-ant-") != std::string_view::npos
                                ? std::vector<std::string>{"anthropic-api-key"}
                                : std::vector<std::string>{};
                     });
  auto m = msg(42, 42);
  m.text = "my key is sk-ant-api03-...";
  auto r = rules.decide(m);
  BOOST_TEST(r.kind == route::secret);
  BOOST_TEST(r.secret_kinds == std::vector<std::string>{"anthropic-api-key"});
  BOOST_TEST(notice::secret_refused(r.secret_kinds).find("anthropic-api-key")
             != std::string::npos);
  BOOST_TEST(notice::secret_refused(r.secret_kinds).find("sk-ant")
             == std::string::npos);
  m.text = "nothing to see";
  BOOST_TEST(rules.decide(m).kind == route::conversation);
}

BOOST_AUTO_TEST_CASE(not_allowed_wins_over_the_secret_check) {
  bool called = false;
  router_rules rules({42}, scope::per_sender, [&](std::string_view) {
    called = true;
    return std::vector<std::string>{"x"};
  });
  BOOST_TEST(rules.decide(msg(7, 7)).kind == route::not_allowed);
  BOOST_TEST(!called);
}
