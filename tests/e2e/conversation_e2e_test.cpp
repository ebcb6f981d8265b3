#define BOOST_TEST_MODULE conversation_e2e
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_CASE(a_message_in_a_reply_out, relay_fixture) {
  start();
  auto id = api.post_message(1, 1, "hello relay");
  auto msgs = replies(1, 1);
  BOOST_TEST(msgs[0].text == "Echo #1: hello relay");
  // The reply answers the user's message, and the typing indicator showed.
  BOOST_TEST(msgs[0].reply_to.has_value());
  BOOST_TEST(!api.chat_actions(1).empty());
  BOOST_TEST(api.wait_for_confirmed_offset(id + 1, 10s));
}

BOOST_FIXTURE_TEST_CASE(the_next_message_resumes_and_new_resets,
                        relay_fixture) {
  start();
  api.post_message(1, 1, "first");
  replies(1, 1);
  api.post_message(1, 1, "second");
  BOOST_TEST(replies(1, 2)[1].text == "Echo #2: second");
  api.post_command(1, 1, "/new");
  BOOST_TEST(replies(1, 3)[2].text == "Started a new conversation.");
  api.post_message(1, 1, "third");
  BOOST_TEST(replies(1, 4)[3].text == "Echo #1: third");
  api.post_command(1, 1, "/reset");
  api.post_message(1, 1, "fourth");
  BOOST_TEST(replies(1, 6)[5].text == "Echo #1: fourth");
}

BOOST_FIXTURE_TEST_CASE(two_messages_in_one_chat_are_answered_in_order,
                        relay_fixture) {
  start();
  api.post_message(2, 2, "one [[sleep 1]]");
  api.post_message(2, 2, "two");
  api.post_message(2, 2, "three");
  auto msgs = replies(2, 3);
  BOOST_TEST(msgs[0].text == "Echo #1: one");
  BOOST_TEST(msgs[1].text == "Echo #2: two");
  BOOST_TEST(msgs[2].text == "Echo #3: three");
}

BOOST_FIXTURE_TEST_CASE(ten_chats_at_once_each_get_their_own_answer,
                        relay_fixture) {
  start();
  auto begin = std::chrono::steady_clock::now();
  for (int chat = 1; chat <= 10; ++chat)
    api.post_message(chat, chat,
                     "[[sleep 2]] chat " + std::to_string(chat));
  // sandbox.limits.maxConcurrentAgents is 4 by default: the other chats
  // are told their place in the queue first, then answered.
  int queued = 0;
  for (int chat = 1; chat <= 10; ++chat) {
    auto msgs = replies(chat, 1, 60s);
    if (msgs[0].text.rfind("⏳ Queued: ", 0) == 0) {
      ++queued;
      msgs = replies(chat, 2, 60s);
      msgs.erase(msgs.begin());
    }
    BOOST_TEST(msgs.size() == 1u);
    BOOST_TEST(msgs[0].text == "Echo #1: chat " + std::to_string(chat));
  }
  BOOST_TEST(queued >= 6);  // the spawn interval queues some too
  auto took = std::chrono::steady_clock::now() - begin;
  BOOST_TEST_MESSAGE("ten 2 s turns answered in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                          took)
                          .count()
                     << " ms");
  // Serially this would take 20 s; a loose bound, far from flaky.
  BOOST_TEST((took < 15s));
}

BOOST_FIXTURE_TEST_CASE(chats_not_allowed_never_reach_the_agent,
                        relay_fixture) {
  start();
  api.post_message(77, 77, "[[read /etc/hostname]] let me in");
  api.post_message(1, 1, "barrier");
  replies(1, 1);
  settle();
  BOOST_TEST(api.messages(77).empty());
  // No conversation was ever started for chat 77.
  auto status = run({"status", "--json"});
  BOOST_TEST(status.code == 0);
  BOOST_TEST(status.out.find("chat:77") == std::string::npos);
  BOOST_TEST(status.out.find("chat:1:user:1") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(non_text_gets_a_short_notice, relay_fixture) {
  start();
  api.post_non_text(3, 3, "sticker");
  BOOST_TEST(replies(3, 1)[0].text == "Only text messages are supported yet.");
  api.post_message(3, 3, "still here?");
  BOOST_TEST(replies(3, 2)[1].text == "Echo #1: still here?");
}

BOOST_FIXTURE_TEST_CASE(long_replies_are_split_under_4096, relay_fixture) {
  start();
  api.post_message(4, 4, "[[long 9000]]");
  auto msgs = replies(4, 3);
  settle(500ms);
  msgs = replies(4, 3); // as users see them (HTML decoded)
  BOOST_TEST(msgs.size() == 3u);
  std::size_t total = 0;
  for (auto& m : msgs) {
    BOOST_TEST(m.text.size() <= 4096u);
    total += m.text.size();
  }
  // Code fences become formatting (<pre>), not visible text.
  BOOST_TEST(total >= 8000u);
}

BOOST_FIXTURE_TEST_CASE(agent_failures_are_explained_and_the_chat_goes_on,
                        relay_fixture) {
  start();
  api.post_message(5, 5, "[[crash]]");
  BOOST_TEST(replies(5, 1)[0].text.find("The agent stopped unexpectedly")
             != std::string::npos);
  api.post_message(5, 5, "[[error]]");
  auto msgs = replies(5, 2);
  BOOST_TEST(msgs[1].text.find("The agent reported an error: API Error: 500")
             != std::string::npos);
  api.post_message(5, 5, "and now?");
  BOOST_TEST(replies(5, 3)[2].text.find("and now?") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_turn_over_time_is_interrupted, relay_fixture) {
  config["inbound"]["reply"]["timeoutSeconds"] = 2;
  start();
  auto begin = std::chrono::steady_clock::now();
  api.post_message(6, 6, "[[sleep 30]] take your time");
  auto msgs = replies(6, 1);
  BOOST_TEST(msgs[0].text.find("took longer than 2 s") != std::string::npos);
  BOOST_TEST((std::chrono::steady_clock::now() - begin < 20s));
  api.post_message(6, 6, "quick one");
  BOOST_TEST(replies(6, 2)[1].text.find("quick one") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_stale_session_is_dropped_and_retried_fresh,
                        relay_fixture) {
  start();
  api.post_message(7, 7, "remember this");
  replies(7, 1);
  // The agent forgets every conversation (as after a reinstall).
  std::filesystem::remove_all(data_dir() / "sandbox" / "home"
                              / ".scripted-agent");
  api.post_message(7, 7, "do you?");
  auto msgs = replies(7, 2);
  BOOST_TEST(msgs[1].text == "Echo #1: do you?");
  settle();
  BOOST_TEST(api.messages(7).size() == 2u);
  api.post_message(7, 7, "and again");
  BOOST_TEST(replies(7, 3)[2].text == "Echo #2: and again");
}

BOOST_FIXTURE_TEST_CASE(a_secret_split_across_events_never_reaches_telegram,
                        relay_fixture) {
  start();
  api.post_message(8, 8, "[[leak]]");
  auto msgs = replies(8, 1);
  BOOST_TEST(msgs[0].text.find("[REDACTED:anthropic-api-key]")
             != std::string::npos);
  // The same key the scripted agent builds (turn 1 of a fresh session).
  std::string key = "sk-ant-api03-";
  for (int i = 0; i < 93; ++i)
    key += "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
      [(i * 37 + 11) % 57];
  key += "AA";
  for (auto& call : api.calls()) {
    auto body = call.params.dump();
    for (std::size_t i = 0; i + 8 <= key.size(); ++i)
      BOOST_REQUIRE_MESSAGE(body.find(key.substr(i, 8)) == std::string::npos,
                            call.method << " carried part of the key");
  }
}

BOOST_FIXTURE_TEST_CASE(a_message_carrying_a_secret_never_reaches_the_agent,
                        relay_fixture) {
  start();
  // Shaped like a GitHub token; made up here, never a real one.
  std::string token = "ghp_";
  for (int i = 0; i < 36; ++i)
    token += "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[i * 7 % 57];
  api.post_message(10, 10, "please use " + token + " to push");
  auto msgs = replies(10, 1);
  BOOST_TEST(msgs[0].text.find("was not sent to the agent")
             != std::string::npos);
  BOOST_TEST(msgs[0].text.find("github") != std::string::npos, msgs[0].text);
  BOOST_TEST(msgs[0].text.find(token.substr(4, 8)) == std::string::npos);
  // No conversation was started for it.
  api.post_message(10, 10, "hello");
  BOOST_TEST(replies(10, 2)[1].text == "Echo #1: hello");
}
