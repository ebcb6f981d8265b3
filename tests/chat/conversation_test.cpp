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
  // Queued behind the run (only the queued notice's timer is armed).
  BOOST_TEST(only<start_run>(conv.on_message(msg(2, "b"), clk.now()))
               .empty());
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
  BOOST_TEST(only<start_run>(conv.on_message(msg(2, "/reset"), clk.now()))
               .empty());
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

// ---- the chat while the agent works (issue 8) ----

namespace {

chat_message from(std::int64_t user, std::int64_t update_id,
                  std::string text) {
  auto m = msg(update_id, std::move(text));
  m.user_id = user;
  return m;
}

chat_message press(std::int64_t user, std::int64_t update_id,
                   std::string data) {
  auto m = from(user, update_id, "");
  m.has_text = false;
  m.callback_id = "cb" + std::to_string(update_id);
  m.callback_data = std::move(data);
  return m;
}

run_outcome ok_outcome(std::string session = "s-1") {
  run_outcome o;
  o.ok = true;
  o.agent_session_id = std::move(session);
  return o;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(messages_during_a_run_queue_with_one_quiet_notice,
                        fixture) {
  conv.on_loaded({}, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_REQUIRE_EQUAL(a.size(), 1u);
  // The first queued message arms the debounce; the next ones do not.
  auto acts = conv.on_message(msg(2, "b"), clk.now());
  auto timers = only<arm_timer>(acts);
  BOOST_REQUIRE_EQUAL(timers.size(), 1u);
  BOOST_TEST(timers[0].delay.count() == 1500);
  BOOST_TEST(only<send_notice>(acts).empty());
  clk.advance(500ms);
  BOOST_TEST(conv.on_message(msg(3, "c"), clk.now()).empty());
  // The timer fires 1.5 s after b, but c came later: wait for quiet.
  clk.advance(1000ms);
  timers = only<arm_timer>(conv.on_tick(clk.now()));
  BOOST_REQUIRE_EQUAL(timers.size(), 1u);
  BOOST_TEST(timers[0].delay.count() == 500);
  clk.advance(500ms);
  auto notes = only<send_notice>(conv.on_tick(clk.now()));
  BOOST_REQUIRE_EQUAL(notes.size(), 1u);
  BOOST_TEST(notes[0].text.find("2 messages are queued") != std::string::npos);
  BOOST_TEST(notes[0].update_id == 0);  // answers none of them
  // No second notice while the queue has not emptied.
  BOOST_TEST(conv.on_message(msg(4, "d"), clk.now()).empty());
  BOOST_TEST(conv.on_tick(clk.now()).empty());
  BOOST_TEST(conv.queued() == 3u);
  // Each queued message is a turn of its own, in arrival order.
  std::vector<std::string> order;
  auto turn = a[0].turn;
  for (int i = 0; i < 3; ++i) {
    auto next = only<start_run>(conv.on_finished(turn, ok_outcome(),
                                                 clk.now()));
    BOOST_REQUIRE_EQUAL(next.size(), 1u);
    order.push_back(next[0].message.text);
    BOOST_TEST(next[0].resume_id == "s-1");
    turn = next[0].turn;
  }
  BOOST_TEST((order == std::vector<std::string>{"b", "c", "d"}));
  conv.on_finished(turn, ok_outcome(), clk.now());
  BOOST_TEST(conv.idle());
  BOOST_TEST(conv.record().turns == 4);
}

BOOST_FIXTURE_TEST_CASE(a_run_that_ends_before_the_quiet_time_sends_no_notice,
                        fixture) {
  conv.on_loaded({}, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  conv.on_message(msg(2, "b"), clk.now());
  auto b = only<start_run>(conv.on_finished(a[0].turn, ok_outcome(),
                                            clk.now()));
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  clk.advance(2s);
  BOOST_TEST(conv.on_tick(clk.now()).empty());
  // The queue emptied: the next wait gets its own notice.
  conv.on_message(msg(3, "c"), clk.now());
  clk.advance(2s);
  auto notes = only<send_notice>(conv.on_tick(clk.now()));
  BOOST_REQUIRE_EQUAL(notes.size(), 1u);
  BOOST_TEST(notes[0].text.find("Your message is queued")
             != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(stop_interrupts_at_once_then_the_queue_runs,
                        fixture) {
  conv.on_loaded({}, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  conv.on_message(msg(2, "b"), clk.now());
  auto acts = conv.on_message(from(42, 3, "/stop"), clk.now());
  auto stops = only<stop_run>(acts);
  BOOST_REQUIRE_EQUAL(stops.size(), 1u);
  BOOST_TEST(stops[0].turn == a[0].turn);
  auto notes = only<send_notice>(acts);
  BOOST_REQUIRE_EQUAL(notes.size(), 1u);
  BOOST_TEST(notes[0].update_id == 3);  // the /stop update is answered
  BOOST_TEST(notes[0].text.find("1 queued message runs next")
             != std::string::npos);
  // /stop never queues, and a second one does not interrupt twice.
  BOOST_TEST(conv.queued() == 1u);
  BOOST_TEST(conv.stopping());
  BOOST_TEST(only<stop_run>(conv.on_message(from(42, 4, "/stop"),
                                            clk.now()))
               .empty());
  // The interrupted turn keeps its session; the queued message resumes it.
  auto b = only<start_run>(conv.on_finished(a[0].turn, ok_outcome("s-9"),
                                            clk.now()));
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  BOOST_TEST(b[0].message.text == "b");
  BOOST_TEST(b[0].resume_id == "s-9");
  BOOST_TEST(!conv.stopping());
}

BOOST_FIXTURE_TEST_CASE(only_the_runs_user_or_the_admin_may_stop_it,
                        fixture) {
  conv.on_loaded({}, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  auto acts = conv.on_message(from(7, 2, "/stop"), clk.now());
  BOOST_TEST(only<stop_run>(acts).empty());
  auto notes = only<send_notice>(acts);
  BOOST_REQUIRE_EQUAL(notes.size(), 1u);
  BOOST_TEST(notes[0].text.find("Only the person who started")
             != std::string::npos);
  auto admin = from(7, 3, "/stop");
  admin.sender_is_admin = true;
  BOOST_TEST(only<stop_run>(conv.on_message(admin, clk.now())).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(stop_buttons_name_their_turn, fixture) {
  conv.on_loaded({}, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  auto turn = std::to_string(a[0].turn);
  // A press for an older turn is stale: answered, nothing stopped.
  auto stale = conv.on_message(press(42, 2, "stop:" + std::to_string(
                                                a[0].turn + 5)),
                               clk.now());
  BOOST_TEST(only<stop_run>(stale).empty());
  auto answers = only<answer_callback>(stale);
  BOOST_REQUIRE_EQUAL(answers.size(), 1u);
  BOOST_TEST(answers[0].callback_id == "cb2");
  BOOST_TEST(answers[0].text.find("already ended") != std::string::npos);
  BOOST_REQUIRE_EQUAL(only<mark_done>(stale).size(), 1u);
  BOOST_TEST(only<mark_done>(stale)[0].update_id == 2);
  BOOST_TEST(only<send_notice>(stale).empty());
  // Garbage after stop: is stale too.
  BOOST_TEST(only<stop_run>(conv.on_message(press(42, 3, "stop:x"),
                                            clk.now()))
               .empty());
  // Someone else's press is refused.
  auto foreign = conv.on_message(press(8, 4, "stop:" + turn), clk.now());
  BOOST_TEST(only<stop_run>(foreign).empty());
  BOOST_TEST(only<answer_callback>(foreign)[0].text.find("Only the person")
             != std::string::npos);
  // The run's own press stops it.
  auto mine = conv.on_message(press(42, 5, "stop:" + turn), clk.now());
  BOOST_REQUIRE_EQUAL(only<stop_run>(mine).size(), 1u);
  BOOST_TEST(only<answer_callback>(mine)[0].text == "Stopping…");
  conv.on_finished(a[0].turn, ok_outcome(), clk.now());
  // After the turn ended, its button is stale.
  auto late = conv.on_message(press(42, 6, "stop:" + turn), clk.now());
  BOOST_TEST(only<stop_run>(late).empty());
  BOOST_TEST(only<answer_callback>(late).size() == 1u);
  BOOST_TEST(conv.idle());
}

BOOST_FIXTURE_TEST_CASE(status_says_what_runs_for_how_long_and_what_waits,
                        fixture) {
  conv.on_loaded({}, clk.now());
  auto idle = only<send_notice>(conv.on_message(msg(1, "/status"),
                                                clk.now()));
  BOOST_REQUIRE_EQUAL(idle.size(), 1u);
  BOOST_TEST(idle[0].text == "Nothing is running.\nNothing queued.");
  BOOST_TEST(idle[0].update_id == 1);
  BOOST_TEST(conv.idle());
  auto nothing = only<send_notice>(conv.on_message(msg(2, "/stop"),
                                                   clk.now()));
  BOOST_REQUIRE_EQUAL(nothing.size(), 1u);
  BOOST_TEST(nothing[0].text == "Nothing is running.");
  conv.on_message(msg(3, "build the thing"), clk.now());
  conv.on_message(msg(4, "then test it"), clk.now());
  clk.advance(75s);
  auto st = only<send_notice>(conv.on_message(msg(5, "/status@bot"),
                                              clk.now()));
  BOOST_REQUIRE_EQUAL(st.size(), 1u);
  BOOST_TEST(st[0].text
             == "▶️ Running: “build the thing” for 1 min 15 s.\n"
                "⏳ 1 message queued.");
  BOOST_TEST(conv.queued() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_stopped_stale_session_is_not_retried, fixture) {
  session_record rec;
  rec.key = "chat:42:user:42";
  rec.chat_id = 42;
  rec.agent_session_id = "old";
  rec.last_activity_ms = to_unix_ms(clk.now());
  conv.on_loaded(rec, clk.now());
  auto a = only<start_run>(conv.on_message(msg(1, "a"), clk.now()));
  BOOST_TEST(a[0].resume_id == "old");
  conv.on_message(msg(2, "/stop"), clk.now());
  run_outcome stale;
  stale.stale_session = true;
  BOOST_TEST(only<start_run>(conv.on_finished(a[0].turn, stale, clk.now()))
               .empty());
  BOOST_TEST(conv.idle());
}
