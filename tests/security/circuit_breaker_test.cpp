#define BOOST_TEST_MODULE circuit_breaker
#include <boost/test/unit_test.hpp>

#include "security/circuit_breaker.hpp"

using namespace telclaude::security;
using namespace std::chrono_literals;

namespace {

struct fixture {
  circuit_breaker breaker{3, 30000ms};
  circuit_breaker::time_point now{std::chrono::hours{1}};

  void fail_calls(int n) {
    for (int i = 0; i < n; ++i) {
      BOOST_REQUIRE(breaker.admit(now) == breaker_admission::call);
      breaker.record(false, now, false);
    }
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(opens_after_threshold_consecutive_failures, fixture) {
  fail_calls(2);
  BOOST_CHECK(breaker.state() == breaker_state::closed);
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::call);
  auto t = breaker.record(false, now, false);
  BOOST_REQUIRE(t);
  BOOST_CHECK(t->from == breaker_state::closed);
  BOOST_CHECK(t->to == breaker_state::open);
  BOOST_CHECK_EQUAL(breaker.counters().opened, 1u);
}

BOOST_FIXTURE_TEST_CASE(a_success_resets_the_count, fixture) {
  fail_calls(2);
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::call);
  BOOST_CHECK(!breaker.record(true, now, false));
  fail_calls(2);
  BOOST_CHECK(breaker.state() == breaker_state::closed);
  BOOST_CHECK_EQUAL(breaker.consecutive_failures(), 2);
}

BOOST_FIXTURE_TEST_CASE(open_answers_fallback_without_call_for_reset,
                        fixture) {
  fail_calls(3);
  for (int i = 0; i < 5; ++i) {
    BOOST_CHECK(breaker.admit(now) == breaker_admission::fallback);
    now += 5999ms;
  }
  // 29,995 ms after opening: still open.
  BOOST_CHECK(breaker.admit(now) == breaker_admission::fallback);
  BOOST_CHECK(breaker.state() == breaker_state::open);
  BOOST_CHECK_EQUAL(breaker.counters().fallbacks, 6u);
  BOOST_CHECK_EQUAL(breaker.counters().calls, 3u);
}

BOOST_FIXTURE_TEST_CASE(exactly_one_probe_when_half_open, fixture) {
  fail_calls(3);
  now += 30000ms;
  std::optional<breaker_transition> changed;
  BOOST_CHECK(breaker.admit(now, &changed) == breaker_admission::probe);
  BOOST_REQUIRE(changed);
  BOOST_CHECK(changed->to == breaker_state::half_open);
  // Concurrent requests while the probe runs: fallback, no call.
  for (int i = 0; i < 10; ++i) {
    std::optional<breaker_transition> none;
    BOOST_CHECK(breaker.admit(now + 1ms * i, &none)
                == breaker_admission::fallback);
    BOOST_CHECK(!none);
  }
  BOOST_CHECK_EQUAL(breaker.counters().half_opened, 1u);
}

BOOST_FIXTURE_TEST_CASE(probe_success_closes, fixture) {
  fail_calls(3);
  now += 31000ms;
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::probe);
  auto t = breaker.record(true, now, true);
  BOOST_REQUIRE(t);
  BOOST_CHECK(t->from == breaker_state::half_open);
  BOOST_CHECK(t->to == breaker_state::closed);
  BOOST_CHECK(breaker.admit(now) == breaker_admission::call);
  BOOST_CHECK_EQUAL(breaker.consecutive_failures(), 0);
}

BOOST_FIXTURE_TEST_CASE(probe_failure_reopens_for_another_period, fixture) {
  fail_calls(3);
  now += 30000ms;
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::probe);
  now += 2000ms;
  auto t = breaker.record(false, now, true);
  BOOST_REQUIRE(t);
  BOOST_CHECK(t->to == breaker_state::open);
  BOOST_CHECK(breaker.admit(now + 29999ms) == breaker_admission::fallback);
  BOOST_CHECK(breaker.admit(now + 30000ms) == breaker_admission::probe);
  BOOST_CHECK_EQUAL(breaker.counters().opened, 2u);
}

BOOST_FIXTURE_TEST_CASE(stragglers_do_not_move_an_open_breaker, fixture) {
  // Two calls in flight when the third failure opens it.
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::call);
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::call);
  fail_calls(3);
  BOOST_REQUIRE(breaker.state() == breaker_state::open);
  BOOST_CHECK(!breaker.record(true, now, false));
  BOOST_CHECK(!breaker.record(false, now, false));
  BOOST_CHECK(breaker.state() == breaker_state::open);
  now += 30000ms;
  BOOST_REQUIRE(breaker.admit(now) == breaker_admission::probe);
  // A straggler's success while half-open does not close it either.
  BOOST_CHECK(!breaker.record(true, now, false));
  BOOST_CHECK(breaker.state() == breaker_state::half_open);
}

BOOST_AUTO_TEST_CASE(threshold_below_one_means_one) {
  circuit_breaker b{0, 1000ms};
  circuit_breaker::time_point now{};
  BOOST_REQUIRE(b.admit(now) == breaker_admission::call);
  BOOST_CHECK(b.record(false, now, false));
  BOOST_CHECK(b.state() == breaker_state::open);
}
