// The gatekeeper actor's group commits over a real SQLite file: decisions
// queued together share one transaction, are answered only once it is
// committed, and a failed commit refuses every one of them.

#define BOOST_TEST_MODULE gatekeeper
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "actors/gatekeeper.hpp"
#include "storage/admin.hpp"
#include "storage/identity_links.hpp"
#include "storage/rate_windows.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/storage/temp_dir.hpp"

namespace telclaude {
namespace {

using namespace std::chrono_literals;

struct audit_seen {
  std::vector<audit_event> events;
};

audit_actor::behavior_type
fake_audit(audit_actor::pointer, std::shared_ptr<audit_seen> seen) {
  return {
    [seen](audit_event& e) { seen->events.push_back(std::move(e)); },
    [](atom::batch_end) {},
    [](atom::drain) { return true; },
  };
}

constexpr std::int64_t first_user = 100;
constexpr int users = 40;

struct fixture : testing::actor_fixture {
  storage::test::temp_dir dir;
  manual_clock wall;
  std::shared_ptr<storage::database> db
    = std::make_shared<storage::database>(
      storage::database::open(dir / "gate.db"));
  std::shared_ptr<audit_seen> seen = std::make_shared<audit_seen>();
  caf::scoped_actor self{sys};
  gatekeeper_actor gk;

  fixture() {
    auto now = to_unix_ms(wall.now());
    BOOST_REQUIRE(storage::admin{*db}.claim(1, now));
    storage::identity_links links{*db};
    for (int i = 0; i < users; ++i)
      links.upsert({first_user + i, "READ_ONLY", now, "test"});
    // A deferred constraint lets a test make the group's COMMIT fail.
    db->exec("CREATE TABLE t_parent (id INTEGER PRIMARY KEY);"
             "CREATE TABLE t_child (p INTEGER REFERENCES t_parent(id) "
             "DEFERRABLE INITIALLY DEFERRED);");
    access::access_options o;
    for (int i = 0; i < users; ++i)
      o.allowed_chats.insert(first_user + i);
    o.limits.global = {100000, 1000000};
    o.limits.per_user = {1000, 10000};
    for (auto& t : o.limits.per_tier)
      t = {100000, 1000000};
    auto audit = sys.spawn(fake_audit, seen);
    gk = sys.spawn(gatekeeper, db, o, &wall,
                   access::redact_fn{[](std::string_view s) {
                     return std::string{s};
                   }},
                   audit, std::chrono::milliseconds{3'600'000},
                   std::shared_ptr<access::second_factor>{});
    run();
  }

  ~fixture() {
    self->send_exit(gk, caf::exit_reason::user_shutdown);
    run();
  }

  gatekeeper_state& state() {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(gk);
    return static_cast<gatekeeper_actor::stateful_pointer<gatekeeper_state>>(
             ptr)
      ->state;
  }

  chat_message message(int i) {
    chat_message m;
    m.update_id = 1000 + i;
    m.chat_id = first_user + (i % users);
    m.user_id = m.chat_id;
    m.chat_type = "private";
    m.message_id = i + 1;
    m.text = "hello " + std::to_string(i);
    m.has_text = true;
    return m;
  }

  std::int64_t counted(std::int64_t user) {
    auto other = storage::database::open(dir / "gate.db");
    return storage::rate_windows{other}.used("user:" + std::to_string(user),
                                             storage::minute_ms,
                                             to_unix_ms(wall.now()));
  }
};

BOOST_FIXTURE_TEST_CASE(requests_queued_together_share_one_commit, fixture) {
  constexpr int n = 120;
  std::vector<decltype(self->request(gk, caf::infinite, atom::gate_v,
                                     message(0)))>
    replies;
  for (int i = 0; i < n; ++i)
    replies.push_back(self->request(gk, caf::infinite, atom::gate_v,
                                    message(i)));
  auto groups_before = state().groups;
  run();
  BOOST_TEST(state().groups - groups_before == 1u);
  BOOST_TEST(state().decisions == std::uint64_t{n});
  int ran = 0;
  for (auto& r : replies)
    r.receive([&](gate_reply& g) { ran += g.run ? 1 : 0; },
              [&](caf::error&) { BOOST_FAIL("no answer"); });
  BOOST_TEST(ran == n);
  BOOST_TEST(seen->events.size() == std::size_t{n});
  // Durable: another connection sees every request counted.
  BOOST_TEST(counted(first_user) == n / users);
  BOOST_TEST(counted(first_user + users - 1) == n / users);
}

BOOST_FIXTURE_TEST_CASE(a_full_group_commits_before_the_mailbox_drains,
                        fixture) {
  state().max_group = 16;
  std::vector<decltype(self->request(gk, caf::infinite, atom::gate_v,
                                     message(0)))>
    replies;
  for (int i = 0; i < 40; ++i)
    replies.push_back(self->request(gk, caf::infinite, atom::gate_v,
                                    message(i)));
  run();
  // 16 + 16 at the size limit, then the last 8 at batch_end.
  BOOST_TEST(state().groups == 3u);
  for (auto& r : replies)
    r.receive([&](gate_reply& g) { BOOST_TEST(g.run); },
              [&](caf::error&) { BOOST_FAIL("no answer"); });
}

BOOST_FIXTURE_TEST_CASE(a_failed_commit_refuses_every_decision_of_its_group,
                        fixture) {
  constexpr int n = 5;
  std::vector<decltype(self->request(gk, caf::infinite, atom::gate_v,
                                     message(0)))>
    replies;
  for (int i = 0; i < n; ++i)
    replies.push_back(self->request(gk, caf::infinite, atom::gate_v,
                                    message(i)));
  // Decide the requests one message at a time, then break the group
  // before its batch_end commits it.
  while (state().waiting.size() < std::size_t{n} && sched.try_run_once()) {
  }
  BOOST_REQUIRE(state().waiting.size() == std::size_t{n});
  BOOST_REQUIRE(db->in_transaction());
  db->exec("INSERT INTO t_child VALUES (42)");
  run();
  BOOST_TEST(!db->in_transaction());
  for (auto& r : replies)
    r.receive(
      [&](gate_reply& g) {
        BOOST_TEST(!g.run);
        BOOST_TEST(g.text.find("refused") != std::string::npos);
        BOOST_TEST(g.callback_answer == "Refused.");
      },
      [&](caf::error&) { BOOST_FAIL("no answer"); });
  BOOST_REQUIRE(seen->events.size() == std::size_t{n});
  for (auto& e : seen->events) {
    BOOST_TEST(e.verdict == "refused");
    BOOST_TEST(e.reason.find("group commit failed") != std::string::npos);
  }
  // Nothing of the group was stored.
  for (int i = 0; i < n; ++i)
    BOOST_TEST(counted(first_user + i) == 0);
  // The next group works again.
  auto again = self->request(gk, caf::infinite, atom::gate_v, message(7));
  run();
  again.receive([&](gate_reply& g) { BOOST_TEST(g.run); },
                [&](caf::error&) { BOOST_FAIL("no answer"); });
  BOOST_TEST(counted(first_user + 7) == 1);
}

BOOST_FIXTURE_TEST_CASE(a_stop_commits_and_answers_the_open_group, fixture) {
  auto r = self->request(gk, caf::infinite, atom::gate_v, message(3));
  while (state().waiting.empty() && sched.try_run_once()) {
  }
  BOOST_REQUIRE(state().waiting.size() == 1u);
  self->send_exit(gk, caf::exit_reason::user_shutdown);
  run();
  r.receive([&](gate_reply& g) { BOOST_TEST(g.run); },
            [&](caf::error&) { BOOST_FAIL("no answer"); });
  BOOST_TEST(counted(first_user + 3) == 1);
}

} // namespace
} // namespace telclaude
