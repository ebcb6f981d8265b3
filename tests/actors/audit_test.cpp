// The audit actor's group commits over a real SQLite file and JSONL file:
// records queued together are written in one transaction and one sync,
// every one of them lands, and drain answers only once they are durable.

#define BOOST_TEST_MODULE audit
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <string>

#include "actors/audit.hpp"
#include "storage/audit_log.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/storage/temp_dir.hpp"

namespace telclaude {
namespace {

struct fixture : testing::actor_fixture {
  storage::test::temp_dir dir;
  std::shared_ptr<storage::database> db
    = std::make_shared<storage::database>(
      storage::database::open(dir / "audit.db"));
  std::shared_ptr<storage::audit_file> file
    = std::make_shared<storage::audit_file>(dir / "audit.jsonl");
  caf::scoped_actor self{sys};
  audit_actor a = sys.spawn(
    audit, db, file, access::redact_fn{[](std::string_view s) {
      std::string out{s};
      for (auto p = out.find("hunter2"); p != std::string::npos;
           p = out.find("hunter2"))
        out.replace(p, 7, "[REDACTED]");
      return out;
    }});

  ~fixture() {
    self->send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  static audit_event event(int i) {
    audit_event e;
    e.time_ms = 1000 + i;
    e.chat_id = 7;
    e.user_id = 7;
    e.event = "request";
    e.verdict = "allowed";
    e.reason = "ok";
    e.excerpt = "message " + std::to_string(i) + " hunter2";
    return e;
  }

  std::size_t rows() {
    auto other = storage::database::open(dir / "audit.db");
    return storage::audit_log{other}.count();
  }

  std::size_t lines() {
    std::ifstream in(dir / "audit.jsonl");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
      BOOST_TEST(line.find("hunter2") == std::string::npos);
      ++n;
    }
    return n;
  }
};

BOOST_FIXTURE_TEST_CASE(records_queued_together_all_land_redacted, fixture) {
  for (int i = 0; i < 300; ++i)
    self->send(a, event(i));
  run();
  BOOST_TEST(!db->in_transaction());
  BOOST_TEST(rows() == 300u);
  BOOST_TEST(lines() == 300u);
  auto other = storage::database::open(dir / "audit.db");
  auto last = storage::audit_log{other}.tail(1).at(0);
  BOOST_TEST(last.excerpt == "message 299 [REDACTED]");
}

BOOST_FIXTURE_TEST_CASE(a_group_above_the_cap_commits_in_parts, fixture) {
  auto ptr = caf::actor_cast<caf::abstract_actor*>(a);
  static_cast<audit_actor::stateful_pointer<audit_state>>(ptr)
    ->state.max_group = 7;
  for (int i = 0; i < 20; ++i)
    self->send(a, event(i));
  run();
  BOOST_TEST(rows() == 20u);
  BOOST_TEST(lines() == 20u);
}

BOOST_FIXTURE_TEST_CASE(a_stop_commits_the_open_group, fixture) {
  for (int i = 0; i < 5; ++i)
    self->send(a, event(i));
  // Take the records, not the batch_end queued behind them.
  auto ptr = caf::actor_cast<caf::abstract_actor*>(a);
  auto& st = static_cast<audit_actor::stateful_pointer<audit_state>>(ptr)
               ->state;
  while (st.in_group < 5 && sched.try_run_once()) {
  }
  BOOST_REQUIRE(st.in_group == 5u);
  BOOST_REQUIRE(db->in_transaction());
  self->send_exit(a, caf::exit_reason::user_shutdown);
  run();
  BOOST_TEST(rows() == 5u);
  BOOST_TEST(lines() == 5u);
}

} // namespace
} // namespace telclaude
