#define BOOST_TEST_MODULE resilience_e2e
#include <boost/test/unit_test.hpp>

#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size()
         && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(kill_9_mid_turn_then_restart_answers_exactly_once,
                        relay_fixture) {
  start();
  api.post_message(9, 9, "[[sleep 3]] slow one");
  await_turn_start(9);
  crash();
  BOOST_TEST(api.messages(9).empty());
  start();
  auto msgs = replies(9, 1);
  BOOST_TEST(ends_with(msgs[0].text, ": slow one"));
  settle(4s);
  BOOST_TEST(api.messages(9).size() == 1u);
  // A clean restart does not answer it again either.
  relay->signal(SIGTERM);
  BOOST_TEST(relay->wait_for(20s).has_value());
  relay.reset();
  start();
  api.post_message(9, 9, "after");
  msgs = replies(9, 2);
  settle();
  BOOST_TEST(api.messages(9).size() == 2u);
  BOOST_TEST(ends_with(api.messages(9)[1].text, ": after"));
}

BOOST_FIXTURE_TEST_CASE(conflict_rate_limit_and_server_errors_are_ridden_out,
                        relay_fixture) {
  fault conflict;
  conflict.status = 409;
  conflict.description = "Conflict: terminated by other getUpdates request";
  api.fail_next("getUpdates", 2, conflict);
  fault limited;
  limited.status = 429;
  limited.description = "Too Many Requests: retry after 1";
  limited.retry_after = 1;
  api.fail_next("getUpdates", 1, limited);
  fault broken;
  broken.status = 502;
  broken.raw_body = "<html>Bad Gateway</html>";
  api.fail_next("getUpdates", 2, broken);
  fault dropped;
  dropped.close_connection = true;
  api.fail_next("getUpdates", 1, dropped);
  start();
  api.post_message(1, 1, "through the storm");
  BOOST_TEST(replies(1, 1, 60s)[0].text == "Echo #1: through the storm");
}

BOOST_FIXTURE_TEST_CASE(a_failing_send_is_retried_and_typing_is_best_effort,
                        relay_fixture) {
  fault broken;
  broken.status = 500;
  api.fail_next("sendChatAction", 50, broken);
  api.fail_next("sendMessage", 2, broken);
  start();
  api.post_message(2, 2, "deliver me");
  BOOST_TEST(replies(2, 1)[0].text == "Echo #1: deliver me");
  settle();
  BOOST_TEST(api.messages(2).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(empty_polls_answered_at_once_do_not_spin,
                        relay_fixture) {
  api.set_empty_polls_at_once(true);
  start();
  settle(4s);
  auto calls = api.get_updates_calls();
  BOOST_TEST_MESSAGE(calls << " getUpdates calls in 4 s");
  BOOST_TEST(calls <= 8u);
  api.post_message(3, 3, "still polling?");
  BOOST_TEST(replies(3, 1)[0].text == "Echo #1: still polling?");
}

BOOST_FIXTURE_TEST_CASE(malformed_updates_and_unknown_fields_are_survived,
                        relay_fixture) {
  api.open_chat(4);
  start();
  api.post_raw_update(R"({"update_id": {{update_id}}, "message": "nonsense"})");
  api.post_raw_update(
    R"({"update_id": {{update_id}}, "brand_new_field": {"x": [1, 2]},
        "message": {"message_id": 5, "date": 1700000000, "text": "with extras",
                    "future": true, "chat": {"id": 4, "type": "private"},
                    "from": {"id": 4, "is_bot": false, "first_name": "A"}}})");
  BOOST_TEST(replies(4, 1)[0].text == "Echo #1: with extras");
}

BOOST_FIXTURE_TEST_CASE(sigterm_stops_promptly_during_a_long_poll,
                        relay_fixture) {
  config["telegram"]["polling"]["timeout"] = 30;
  start();
  api.post_message(5, 5, "hello");
  replies(5, 1);
  settle(1s);
  auto begin = std::chrono::steady_clock::now();
  relay->signal(SIGTERM);
  auto st = relay->wait_for(15s);
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->code == 0);
  BOOST_TEST((std::chrono::steady_clock::now() - begin < 10s));
  relay.reset();
}

BOOST_FIXTURE_TEST_CASE(a_rejected_token_stops_the_relay_with_an_error,
                        relay_fixture) {
  fault unauthorized;
  unauthorized.status = 401;
  unauthorized.description = "Unauthorized";
  api.fail_next("getUpdates", 1, unauthorized);
  start();
  auto st = relay->wait_for(20s);
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->code == 1);
  BOOST_TEST(relay->stderr_tail().find("rejected the bot token")
             != std::string::npos);
  BOOST_TEST(relay->stderr_tail().find(api.token()) == std::string::npos);
  relay.reset();
}

BOOST_FIXTURE_TEST_CASE(sigterm_mid_turn_stops_and_the_turn_runs_after_restart,
                        relay_fixture) {
  start();
  api.post_message(6, 6, "[[sleep 30]] long job");
  await_turn_start(6);
  auto begin = std::chrono::steady_clock::now();
  relay->signal(SIGTERM);
  auto st = relay->wait_for(15s);
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->code == 0);
  BOOST_TEST((std::chrono::steady_clock::now() - begin < 10s));
  relay.reset();
  BOOST_TEST(api.messages(6).empty());
  // Nothing is lost: the update was pending and runs again (quickly now).
  config["inbound"]["reply"]["timeoutSeconds"] = 2;
  start();
  auto msgs = replies(6, 1);
  BOOST_TEST(msgs[0].text.find("took longer than 2 s") != std::string::npos,
             msgs[0].text);
}
