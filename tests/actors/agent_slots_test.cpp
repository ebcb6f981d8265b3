#define BOOST_TEST_MODULE agent_slots
#include <boost/test/unit_test.hpp>

#include "actors/agent_slots.hpp"
#include "agent/child_process.hpp"
#include "sandbox/orphans.hpp"
#include "storage/agent_processes.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/storage/temp_dir.hpp"

#include <signal.h>
#include <unistd.h>

using namespace telclaude;
using namespace std::chrono_literals;

namespace {

struct world {
  /// Turns in the order their slots were granted.
  std::vector<std::uint64_t> granted;
  /// Notices the chats got: (chat, text).
  std::vector<std::pair<std::int64_t, std::string>> notices;
};

/// Stands in for the outbox: only notices reach it.
caf::behavior notice_sink(caf::event_based_actor*, std::shared_ptr<world> w) {
  return {
    [w](atom::send_text, std::int64_t chat, std::string& text,
        std::int64_t) { w->notices.emplace_back(chat, text); },
  };
}

/// Stands in for an agent_run: asks for its slot, logs the grant; told
/// `slot_free`, it releases and ends.
caf::behavior run_stand_in(caf::event_based_actor* self,
                           agent_slots_actor slots, std::uint64_t turn,
                           std::int64_t user, std::shared_ptr<world> w) {
  self->request(slots, caf::infinite, atom::slot_get_v, turn, user,
                std::int64_t(1000 + turn))
    .then([w, turn](bool ok) {
      if (ok)
        w->granted.push_back(turn);
    });
  return {
    [self, slots, turn](atom::slot_free) {
      self->send(slots, atom::slot_free_v, turn);
      self->quit();
    },
  };
}

struct fixture : testing::actor_fixture {
  std::shared_ptr<world> w = std::make_shared<world>();
  manual_clock wall;
  storage::test::temp_dir dir;
  std::shared_ptr<storage::database> db = std::make_shared<storage::database>(
    storage::database::open(dir.path() / "t.db"));
  agent_slots_actor slots;

  void start(int global, int per_user, std::chrono::milliseconds gap = 0ms) {
    agent_slots_options o;
    o.limits.max_concurrent = global;
    o.limits.max_per_user = per_user;
    o.limits.min_interval = gap;
    o.limits.first_notice_after = std::chrono::milliseconds{0};
    o.wall = &wall;
    o.db = db;
    o.outbox = caf::actor_cast<outbox_actor>(sys.spawn(notice_sink, w));
    slots = sys.spawn(agent_slots, o);
    run();
  }
  caf::actor ask(std::uint64_t turn, std::int64_t user) {
    auto a = sys.spawn(run_stand_in, slots, turn, user, w);
    run();
    return a;
  }
  std::pair<std::uint64_t, std::uint64_t> counts() {
    std::pair<std::uint64_t, std::uint64_t> out;
    caf::scoped_actor self{sys};
    self->send(slots, atom::slot_count_v);
    run();
    self->receive([&](std::uint64_t running, std::uint64_t waiting) {
      out = {running, waiting};
    });
    return out;
  }
  ~fixture() {
    caf::anon_send_exit(slots, caf::exit_reason::user_shutdown);
    run();
  }
};

using turns = std::vector<std::uint64_t>;

} // namespace

BOOST_FIXTURE_TEST_CASE(caps_queue_and_release_in_order, fixture) {
  start(1, 1);
  auto a = ask(1, 10);
  auto b = ask(2, 20);
  auto c = ask(3, 30);
  BOOST_TEST(w->granted == turns{1});
  // The waiting chats are told where they stand, once.
  BOOST_REQUIRE_EQUAL(w->notices.size(), 2u);
  BOOST_TEST(w->notices[0].first == 1002);
  BOOST_TEST(w->notices[0].second.find("you are next") != std::string::npos);
  BOOST_TEST(w->notices[1].first == 1003);
  BOOST_TEST(w->notices[1].second.find("1 ahead of you") != std::string::npos);
  caf::anon_send(a, atom::slot_free_v);
  run();
  BOOST_TEST(w->granted == (turns{1, 2}));
  caf::anon_send(b, atom::slot_free_v);
  run();
  BOOST_TEST(w->granted == (turns{1, 2, 3}));
  caf::anon_send(c, atom::slot_free_v);
  run();
  BOOST_TEST((counts() == std::pair<std::uint64_t, std::uint64_t>{0, 0}));
}

BOOST_FIXTURE_TEST_CASE(a_run_that_dies_or_gives_up_never_keeps_a_slot,
                        fixture) {
  start(1, 1);
  auto a = ask(1, 10);
  auto b = ask(2, 20);
  auto c = ask(3, 30);
  // The waiting run 2 is stopped: it leaves the queue.
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  run();
  BOOST_TEST((counts() == std::pair<std::uint64_t, std::uint64_t>{1, 1}));
  // The running one dies without a word: its slot goes to run 3.
  caf::anon_send_exit(a, caf::exit_reason::kill);
  run();
  BOOST_TEST(w->granted == (turns{1, 3}));
  caf::anon_send_exit(c, caf::exit_reason::kill);
  run();
  BOOST_TEST((counts() == std::pair<std::uint64_t, std::uint64_t>{0, 0}));
}

BOOST_FIXTURE_TEST_CASE(per_user_cap_and_spawn_interval, fixture) {
  start(3, 1, 200ms);
  // (The handles are kept: a run nobody holds ends, and frees its slot.)
  auto a = ask(1, 10);
  auto b = ask(2, 10);  // same user: waits although slots are free
  auto c = ask(3, 20);  // another user: only the spawn interval holds it
  BOOST_TEST(w->granted == turns{1});
  wall.advance(200ms);
  advance(200ms);
  BOOST_TEST(w->granted == (turns{1, 3}));
  BOOST_TEST((counts() == std::pair<std::uint64_t, std::uint64_t>{2, 1}));
}

BOOST_FIXTURE_TEST_CASE(agent_processes_are_recorded_until_released,
                        fixture) {
  start(2, 2);
  auto a = ask(1, 10);
  auto b = ask(2, 10);
  caf::anon_send(slots, atom::slot_pid_v, std::uint64_t{1}, std::int64_t{111},
                 std::int64_t{5}, std::string{"/cg/a"});
  caf::anon_send(slots, atom::slot_pid_v, std::uint64_t{2}, std::int64_t{222},
                 std::int64_t{6}, std::string{});
  run();
  storage::agent_processes records{*db};
  BOOST_REQUIRE_EQUAL(records.all().size(), 2u);
  BOOST_TEST(records.all()[0].chat_id == 1001);
  BOOST_TEST(records.all()[0].relay_pid == ::getpid());
  caf::anon_send(a, atom::slot_free_v);
  run();
  BOOST_REQUIRE_EQUAL(records.all().size(), 1u);
  BOOST_TEST(records.all()[0].pid == 222);
  // A run that dies takes its record with it.
  caf::anon_send_exit(b, caf::exit_reason::kill);
  run();
  BOOST_TEST(records.all().empty());
}

BOOST_AUTO_TEST_CASE(a_real_orphan_is_found_and_killed_at_restart) {
  storage::test::temp_dir dir;
  auto db = storage::database::open(dir.path() / "t.db");
  storage::agent_processes records{db};
  // The "relay": a shell that starts an agent in a session of its own (as
  // child_process does) and reports its pid; it is then SIGKILLed, so
  // nothing of it can clean up.
  agent::spawn_options o;
  o.argv = {"/bin/sh", "-c", "setsid sleep 300 & echo $!; wait"};
  o.env = {"PATH=/usr/bin:/bin"};
  agent::child_process relay{o};
  auto line = relay.read_line();
  BOOST_REQUIRE(line);
  auto pid = static_cast<pid_t>(std::stol(*line));
  // setsid may still be about to exec sleep: wait for the session.
  for (int i = 0; i < 200 && ::getsid(pid) != pid; ++i)
    std::this_thread::sleep_for(5ms);
  auto agent_id = sandbox::identify(pid);
  BOOST_REQUIRE(agent_id);
  records.add({agent_id->pid, agent_id->start_time, agent_id->boot_id, 1, 42,
               1000, ""});
  // A record whose pid is alive but names another process (pid reuse):
  // this test's own pid with a start time that is not ours.
  auto me = sandbox::identify(::getpid());
  BOOST_REQUIRE(me);
  records.add({me->pid, me->start_time + 1, me->boot_id, 1, 43, 1001, ""});
  relay.signal(SIGKILL);
  relay.wait();
  BOOST_TEST(sandbox::still_running(*agent_id));

  // The restart.
  auto reports = reap_orphans(db);
  BOOST_REQUIRE_EQUAL(reports.size(), 2u);
  BOOST_TEST(reports[0].record.pid == pid);
  BOOST_TEST(reports[0].killed);
  BOOST_TEST(!reports[1].killed);
  BOOST_TEST(!sandbox::still_running(*agent_id));
  BOOST_TEST(records.all().empty());
}
