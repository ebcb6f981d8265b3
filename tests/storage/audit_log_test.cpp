#define BOOST_TEST_MODULE storage_audit_log
#include <boost/test/unit_test.hpp>

#include "storage/audit_log.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

audit_record full_record() {
  audit_record r;
  r.time_ms = 1'700'000'000'123;
  r.chat_id = -1001;
  r.user_id = 42;
  r.tier = "WRITE_SAFE";
  r.event = "request";
  r.verdict = "allowed";
  r.reason = "";
  r.duration_ms = 1234;
  r.agent_session_id = "sess-1";
  r.cost_usd = 0.0125;
  r.excerpt = "fix the \"build\" [REDACTED]";
  return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(records_round_trip_and_tail_is_oldest_first) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    audit_log log{db};
    auto first = full_record();
    first.id = log.append(first);
    BOOST_TEST(first.id > 0);
    audit_record bare;
    bare.time_ms = 5;
    bare.event = "admin";
    bare.verdict = "refused";
    bare.reason = "code expired";
    for (int i = 0; i < 4; ++i)
      log.append(bare);
    BOOST_TEST(log.count() == 5u);
    auto all = log.tail(100);
    BOOST_REQUIRE(all.size() == 5u);
    BOOST_TEST((all[0] == first));
    BOOST_TEST(!all[1].chat_id);
    BOOST_TEST(!all[1].cost_usd);
    BOOST_TEST(!all[1].duration_ms);
  }
  auto db = database::open(dir / "t.db");
  audit_log log{db};
  auto last = log.tail(2);
  BOOST_REQUIRE(last.size() == 2u);
  BOOST_TEST(last[0].id < last[1].id);
  BOOST_TEST(last[1].id == 5);
  BOOST_TEST(log.tail(0).empty());
}

BOOST_AUTO_TEST_CASE(json_line_has_every_field_in_order) {
  auto r = full_record();
  r.id = 3;
  BOOST_TEST(to_json_line(r)
             == R"({"time_ms":1700000000123,"chat_id":-1001,"user_id":42,)"
                R"("tier":"WRITE_SAFE","event":"request","verdict":"allowed",)"
                R"("reason":"","duration_ms":1234,"agent_session_id":"sess-1",)"
                R"("cost_usd":0.0125,"excerpt":"fix the \"build\" [REDACTED]"})");
  audit_record bare;
  bare.event = "link";
  bare.verdict = "ok";
  bare.excerpt = "bad \xff byte\nnewline";
  auto line = to_json_line(bare);
  BOOST_TEST(line.find('\n') == std::string::npos);
  BOOST_TEST(line.find(R"("chat_id":null)") != std::string::npos);
  BOOST_TEST(line.find("\\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verdict_counts_and_the_last_breaker_transition) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  audit_log log{db};
  auto add = [&](long long t, std::string event, std::string verdict) {
    audit_record r;
    r.time_ms = t;
    r.event = std::move(event);
    r.verdict = std::move(verdict);
    log.append(r);
  };
  add(100, "observer", "ALLOW");  // before the window
  add(200, "observer", "ALLOW");
  add(210, "observer", "BLOCK");
  add(220, "observer", "breaker_open");
  add(230, "request", "ALLOW");   // another event
  add(240, "observer", "ALLOW");
  add(250, "observer", "breaker_half_open");
  add(260, "observer", "breaker_closed");
  auto counts = log.verdict_counts("observer", 200);
  using row = std::pair<std::string, std::int64_t>;
  BOOST_TEST((counts
              == std::vector<row>{{"ALLOW", 2},
                                  {"BLOCK", 1},
                                  {"breaker_closed", 1},
                                  {"breaker_half_open", 1},
                                  {"breaker_open", 1}}));
  auto last = log.last_with("observer", "breaker_");
  BOOST_REQUIRE(last);
  BOOST_TEST(last->verdict == "breaker_closed");
  BOOST_TEST(last->time_ms == 260);
  BOOST_TEST(!log.last_with("request", "breaker_"));
  BOOST_TEST(log.verdict_counts("observer", 1000).empty());
}
