#define BOOST_TEST_MODULE conversation
#include <boost/test/unit_test.hpp>

#include "chat/conversation.hpp"

using namespace telclaude;
using namespace telclaude::chat;
using namespace std::chrono_literals;

namespace {

chat_message msg(std::int64_t update_id, std::string text) {
  chat_message m;
  m.update_id = update_id;
  m.chat_id = 42;
  m.user_id = 42;
  m.message_id = update_id * 10;
  m.text = std::move(text);
  m.has_text = true;
  return m;
}

struct fixture {
  manual_clock clk;
  std::uint64_t turns = 0;
  conversation conv{"chat:42:user:42", 42, conversation::options{},
                    [this] { return ++turns; }};

  template <class T>
  static std::vector<T> only(const std::vector<action>& xs) {
    std::vector<T> result;
    for (auto& x : xs)
      if (auto p = std::get_if<T>(&x))
        result.push_back(*p);
    return result;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(messages_wait_for_the_stored_record, fixture) {
  BOOST_TEST(conv.on_message(msg(1, "hi"), clk.now()).empty());
  BOOST_TEST(!conv.idle());
  auto acts = conv.on_loaded({}, clk.now());
  auto runs = only<start_run>(acts);
  BOOST_REQUIRE_EQUAL(runs.size(), 1u);
  BOOST_TEST(runs[0].message.text == "hi");
  BOOST_TEST(runs[0].resume_id.empty());
  BOOST_TEST(conv.running());
}

BOOST_FIXTURE_TEST_CASE(one_turn_at_a_time_in_arrival_order, fixture) {
  conv.on_loaded({}, clk.now());
  auto first = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_REQUIRE_EQUAL(first.size(), 1u);
  BOOST_TEST(conv.on_message(msg(2, "b"), clk.now()).empty());
  BOOST_TEST(conv.on_message(msg(3, "c"), clk.now()).empty());
  BOOST_TEST(conv.queued() == 2u);
  run_outcome ok;
  ok.ok = true;
  ok.agent_session_id = "s-1";
  auto next = only<start_run>(conv.on_finished(first[0].turn, ok, clk.now()));
  BOOST_REQUIRE_EQUAL(next.size(), 1u);
  BOOST_TEST(next[0].message.text == "b");
  BOOST_TEST(next[0].resume_id == "s-1");
  auto last = only<start_run>(conv.on_finished(next[0].turn, ok, clk.now()));
  BOOST_REQUIRE_EQUAL(last.size(), 1u);
  BOOST_TEST(last[0].message.text == "c");
  conv.on_finished(last[0].turn, ok, clk.now());
  BOOST_TEST(conv.idle());
  BOOST_TEST(conv.record().turns == 3);
}

BOOST_FIXTURE_TEST_CASE(finish_of_another_turn_is_ignored, fixture) {
  conv.on_loaded({}, clk.now());
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  run_outcome ok;
  ok.ok = true;
  BOOST_TEST(conv.on_finished(run[0].turn + 7, ok, clk.now()).empty());
  BOOST_TEST(conv.running());
}

BOOST_FIXTURE_TEST_CASE(started_saves_the_session_id_at_once, fixture) {
  conv.on_loaded({}, clk.now());
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  auto saves = only<save_record>(conv.on_started(run[0].turn, "s-9"));
  BOOST_REQUIRE_EQUAL(saves.size(), 1u);
  BOOST_TEST(saves[0].record.agent_session_id == "s-9");
  BOOST_TEST(conv.on_started(run[0].turn, "s-9").empty());
}

BOOST_FIXTURE_TEST_CASE(reset_trigger_forgets_the_session, fixture) {
  session_record rec;
  rec.key = "chat:42:user:42";
  rec.chat_id = 42;
  rec.agent_session_id = "old";
  rec.last_activity_ms = to_unix_ms(clk.now());
  conv.on_loaded(rec, clk.now());
  auto acts = conv.on_message(msg(5, "/new@telclaude_bot"), clk.now());
  auto notices = only<send_notice>(acts);
  BOOST_REQUIRE_EQUAL(notices.size(), 1u);
  BOOST_TEST(notices[0].update_id == 5);
  BOOST_TEST(only<save_record>(acts).at(0).record.agent_session_id.empty());
  auto run = only<start_run>(conv.on_message(msg(6, "hello"), clk.now()));
  BOOST_REQUIRE_EQUAL(run.size(), 1u);
  BOOST_TEST(run[0].resume_id.empty());
}

BOOST_FIXTURE_TEST_CASE(reset_waits_behind_a_running_turn, fixture) {
  conv.on_loaded({}, clk.now());
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_TEST(conv.on_message(msg(2, "/reset"), clk.now()).empty());
  run_outcome ok;
  ok.ok = true;
  ok.agent_session_id = "s-1";
  auto acts = conv.on_finished(run[0].turn, ok, clk.now());
  BOOST_TEST(only<send_notice>(acts).size() == 1u);
  BOOST_TEST(conv.record().agent_session_id.empty());
  BOOST_TEST(conv.idle());
}

BOOST_FIXTURE_TEST_CASE(idle_timeout_starts_fresh, fixture) {
  session_record rec;
  rec.key = "chat:42:user:42";
  rec.chat_id = 42;
  rec.agent_session_id = "old";
  rec.last_activity_ms = to_unix_ms(clk.now());
  conv.on_loaded(rec, clk.now());
  clk.advance(29min);
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_TEST(run.at(0).resume_id == "old");
  run_outcome ok;
  ok.ok = true;
  ok.agent_session_id = "old";
  conv.on_finished(run[0].turn, ok, clk.now());
  clk.advance(31min);
  auto later = only<start_run>(conv.on_message(msg(2, "b"), clk.now()));
  BOOST_TEST(later.at(0).resume_id.empty());
}

BOOST_FIXTURE_TEST_CASE(stale_session_retries_once_fresh, fixture) {
  session_record rec;
  rec.key = "chat:42:user:42";
  rec.agent_session_id = "gone";
  rec.last_activity_ms = to_unix_ms(clk.now());
  conv.on_loaded(rec, clk.now());
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_TEST(run.at(0).resume_id == "gone");
  run_outcome stale;
  stale.stale_session = true;
  auto retry = only<start_run>(conv.on_finished(run[0].turn, stale, clk.now()));
  BOOST_REQUIRE_EQUAL(retry.size(), 1u);
  BOOST_TEST(retry[0].resume_id.empty());
  BOOST_TEST(retry[0].message.update_id == 1);
  BOOST_TEST(retry[0].turn != run[0].turn);
  // A fresh run that reports stale again is not retried a second time.
  auto again = conv.on_finished(retry[0].turn, stale, clk.now());
  BOOST_TEST(only<start_run>(again).empty());
  BOOST_TEST(conv.idle());
}

BOOST_FIXTURE_TEST_CASE(failed_turn_keeps_the_chat_working, fixture) {
  conv.on_loaded({}, clk.now());
  auto run = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  conv.on_message(msg(2, "b"), clk.now());
  run_outcome failed; // crashed: no session id, not ok
  auto next = only<start_run>(conv.on_finished(run[0].turn, failed, clk.now()));
  BOOST_REQUIRE_EQUAL(next.size(), 1u);
  BOOST_TEST(next[0].message.text == "b");
}
