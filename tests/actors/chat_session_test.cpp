#define BOOST_TEST_MODULE chat_session
#include <boost/test/unit_test.hpp>

#include "actors/chat_session.hpp"
#include "tests/actors/actor_fixture.hpp"

// The chat while the agent works, through the real chat_session actor:
// messages queue behind a run (one notice after the quiet time), /stop and
// Stop presses reach the run's agent at once, /status answers.

using namespace telclaude;
using namespace std::chrono_literals;

namespace {

struct world {
  std::vector<std::int64_t> done;
  std::vector<std::pair<std::int64_t, std::string>> notices;  // update, text
  std::vector<std::pair<std::string, std::string>> answers;   // id, text
  std::vector<run_request> runs;
  std::vector<std::uint64_t> stops;
  std::vector<audit_event> audit;
  std::vector<chat_session_actor> sessions;
};

// The fakes are dynamically typed and cast to the typed handles, so they
// only handle what a chat_session sends (the interfaces may grow).

caf::behavior fake_store(caf::event_based_actor*, std::shared_ptr<world> w) {
  return {
    [w](atom::inbox_done, std::int64_t id) { w->done.push_back(id); },
    [](atom::sess_get, std::string&) { return session_record{}; },
    [](atom::sess_put, session_record&) {},
  };
}

caf::behavior fake_outbox(caf::event_based_actor*, std::shared_ptr<world> w) {
  return {
    [w](atom::send_text, std::int64_t, std::string& text,
        std::int64_t update_id) {
      w->notices.emplace_back(update_id, text);
      if (update_id != 0)
        w->done.push_back(update_id);
    },
    [w](atom::cb_answer, std::string& id, std::string& text) {
      w->answers.emplace_back(id, text);
    },
    [](atom::typing, std::int64_t) {},
  };
}

caf::behavior fake_audit(caf::event_based_actor*, std::shared_ptr<world> w) {
  return {
    [w](audit_event& e) { w->audit.push_back(std::move(e)); },
  };
}

/// An agent run that ends only when stopped (as the interrupted agent
/// does: a result, the session kept).
agent_run_actor::behavior_type fake_run(agent_run_actor::pointer self,
                                        std::shared_ptr<world> w,
                                        chat_session_actor session,
                                        std::uint64_t turn) {
  return {
    [](atom::line, std::string&) {},
    [](atom::eof) {},
    [](atom::timeout) {},
    [](atom::kill) {},
    [self, w, session, turn](atom::stop) {
      w->stops.push_back(turn);
      run_outcome out;
      out.ok = true;
      out.agent_session_id = "s-1";
      self->send(session, atom::finished_v, turn, out);
      self->quit();
    },
  };
}

struct fixture : testing::actor_fixture {
  std::shared_ptr<world> w = std::make_shared<world>();
  store_actor store = caf::actor_cast<store_actor>(sys.spawn(fake_store, w));
  outbox_actor outbox
    = caf::actor_cast<outbox_actor>(sys.spawn(fake_outbox, w));
  audit_actor audit = caf::actor_cast<audit_actor>(sys.spawn(fake_audit, w));
  chat_session_actor session;
  manual_clock wall;

  /// Moves the relay's clock and CAF's together.
  void later(caf::timespan d) {
    wall.advance(std::chrono::duration_cast<clock::duration>(d));
    advance(d);
  }

  fixture() {
    session_deps deps;
    deps.store = store;
    deps.outbox = outbox;
    deps.audit = audit;
    deps.typing_interval = std::chrono::seconds{100};
    deps.wall = &wall;
    deps.launch = [this](const run_request& req,
                         const chat_session_actor& s) {
      w->runs.push_back(req);
      return sys.spawn(fake_run, w, s, req.turn);
    };
    session = sys.spawn(chat_session, std::string{"k"}, std::int64_t{42},
                        deps);
    run();
  }

  ~fixture() {
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(audit, caf::exit_reason::user_shutdown);
    run();
  }

  void send(std::int64_t user, std::int64_t update_id, std::string text) {
    chat_message m;
    m.update_id = update_id;
    m.chat_id = 42;
    m.user_id = user;
    m.message_id = update_id;
    m.text = std::move(text);
    m.has_text = true;
    m.tier = "WRITE_SAFE";
    caf::anon_send(session, std::move(m));
    run();
  }

  void press(std::int64_t user, std::int64_t update_id, std::string data) {
    chat_message m;
    m.update_id = update_id;
    m.chat_id = 42;
    m.user_id = user;
    m.callback_id = "cb" + std::to_string(update_id);
    m.callback_data = std::move(data);
    caf::anon_send(session, std::move(m));
    run();
  }

  std::size_t notices_containing(const std::string& part) const {
    std::size_t n = 0;
    for (auto& [id, text] : w->notices)
      n += text.find(part) != std::string::npos;
    return n;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(three_messages_during_a_run_queue_in_order,
                        fixture) {
  send(42, 1, "long job");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 1u);
  send(42, 2, "two");
  send(42, 3, "three");
  send(42, 4, "four");
  BOOST_TEST(w->runs.size() == 1u);
  BOOST_TEST(w->notices.empty());
  // One notice after the quiet time, for all three.
  later(1600ms);
  BOOST_REQUIRE_EQUAL(w->notices.size(), 1u);
  BOOST_TEST(w->notices[0].second.find("3 messages are queued")
             != std::string::npos);
  later(5s);
  BOOST_TEST(w->notices.size() == 1u);
  // Stop the long job: the queued ones run, in order, one turn each.
  send(42, 5, "/stop");
  BOOST_TEST(w->stops == std::vector<std::uint64_t>{w->runs[0].turn});
  for (std::size_t i = 1; i < 4; ++i) {
    BOOST_REQUIRE_EQUAL(w->runs.size(), i + 1);
    send(42, 100 + static_cast<std::int64_t>(i), "/stop");
  }
  std::vector<std::string> prompts;
  for (auto& r : w->runs)
    prompts.push_back(r.prompt);
  BOOST_TEST((prompts
              == std::vector<std::string>{"long job", "two", "three",
                                          "four"}));
  BOOST_TEST(w->runs[1].resume_id == "s-1");
  // Each stopped turn was audited as such.
  BOOST_REQUIRE_EQUAL(w->audit.size(), 4u);
  for (auto& e : w->audit)
    BOOST_TEST(e.reason == "stopped");
}

BOOST_FIXTURE_TEST_CASE(stop_presses_are_answered_by_the_session, fixture) {
  send(42, 1, "long job");
  auto turn = std::to_string(w->runs.at(0).turn);
  press(7, 2, "stop:" + turn);
  BOOST_TEST(w->stops.empty());
  BOOST_REQUIRE_EQUAL(w->answers.size(), 1u);
  BOOST_TEST(w->answers[0].first == "cb2");
  BOOST_TEST(w->answers[0].second.find("Only the person") != std::string::npos);
  press(42, 3, "stop:" + turn);
  BOOST_TEST(w->stops.size() == 1u);
  BOOST_REQUIRE_EQUAL(w->answers.size(), 2u);
  BOOST_TEST(w->answers[1].second == "Stopping…");
  press(42, 4, "stop:" + turn);
  BOOST_REQUIRE_EQUAL(w->answers.size(), 3u);
  BOOST_TEST(w->answers[2].second.find("already ended") != std::string::npos);
  // Every press's update is marked answered, though no message was sent.
  for (std::int64_t id : {2, 3, 4})
    BOOST_TEST(std::count(w->done.begin(), w->done.end(), id) == 1);
}

BOOST_FIXTURE_TEST_CASE(status_answers_ahead_of_the_queue, fixture) {
  send(42, 1, "long job");
  send(42, 2, "next");
  send(42, 3, "/status");
  BOOST_TEST(notices_containing("Running: “long job”") == 1u);
  BOOST_TEST(notices_containing("1 message queued") == 1u);
  BOOST_TEST(w->runs.size() == 1u);
  BOOST_TEST(std::count(w->done.begin(), w->done.end(), 3) == 1);
}
