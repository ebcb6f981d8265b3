#define BOOST_TEST_MODULE backoff
#include <boost/test/unit_test.hpp>

#include "telegram/backoff.hpp"

using telclaude::telegram::reconnect_backoff;
using telclaude::telegram::reconnect_settings;
using std::chrono::milliseconds;

namespace {

/// Randomness fixed at `r`: 0.5 is "no jitter".
auto fixed(double r) {
  return [r] { return r; };
}

} // namespace

BOOST_AUTO_TEST_CASE(grows_by_factor_until_the_cap) {
  reconnect_backoff backoff{{1000, 60000, 2.0, 0.3, 0}, fixed(0.5)};
  const long expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (long e : expected)
    BOOST_TEST(backoff.next().value() == milliseconds{e});
  for (int i = 0; i < 1000; ++i)
    BOOST_TEST(backoff.next().value() == milliseconds{60000});
}

BOOST_AUTO_TEST_CASE(jitter_stays_within_bounds) {
  reconnect_settings settings{1000, 60000, 2.0, 0.3, 0};
  reconnect_backoff low{settings, fixed(0.0)};
  reconnect_backoff high{settings, fixed(0.999999)};
  BOOST_TEST(low.next().value() == milliseconds{700});
  BOOST_TEST(high.next().value().count() >= 1299);
  BOOST_TEST(low.next().value() == milliseconds{1400});
  // At the cap, jitter only goes down: never above maxMs.
  for (int i = 0; i < 10; ++i) {
    low.next();
    high.next();
  }
  BOOST_TEST(low.next().value() == milliseconds{42000});
  BOOST_TEST(high.next().value() == milliseconds{60000});
}

BOOST_AUTO_TEST_CASE(random_draws_fall_between_the_jitter_bounds) {
  unsigned state = 12345;
  auto lcg = [&state] {
    state = state * 1103515245u + 12345u;
    return static_cast<double>((state >> 8) & 0xFFFF) / 65536.0;
  };
  reconnect_backoff backoff{{500, 8000, 2.0, 0.25, 0}, lcg};
  double base = 500;
  for (int i = 0; i < 50; ++i) {
    const auto delay = static_cast<double>(backoff.next().value().count());
    BOOST_TEST(delay >= base * 0.75 - 1);
    BOOST_TEST(delay <= std::min(base * 1.25, 8000.0));
    base = std::min(base * 2, 8000.0);
  }
}

BOOST_AUTO_TEST_CASE(max_attempts_ends_the_retries_and_reset_restarts) {
  reconnect_backoff backoff{{100, 1000, 2.0, 0.0, 3}, fixed(0.5)};
  BOOST_TEST(backoff.next().has_value());
  BOOST_TEST(backoff.next().has_value());
  BOOST_TEST(backoff.next().value() == milliseconds{400});
  BOOST_TEST(!backoff.next().has_value());
  BOOST_TEST(!backoff.next().has_value());
  backoff.reset();
  BOOST_TEST(backoff.attempts() == 0u);
  BOOST_TEST(backoff.next().value() == milliseconds{100});
}

BOOST_AUTO_TEST_CASE(zero_max_attempts_is_unlimited) {
  reconnect_backoff backoff{{1, 10, 2.0, 0.0, 0}, fixed(0.5)};
  for (int i = 0; i < 10000; ++i)
    BOOST_REQUIRE(backoff.next().has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_poll_answered_at_once_pauses) {
  using telclaude::telegram::pause_after_empty_poll;
  BOOST_TEST(pause_after_empty_poll(milliseconds{0}) == milliseconds{1000});
  BOOST_TEST(pause_after_empty_poll(milliseconds{300}) == milliseconds{700});
  BOOST_TEST(pause_after_empty_poll(milliseconds{30000}) == milliseconds{0});
  BOOST_TEST(pause_after_empty_poll(milliseconds{10}, milliseconds{50}) ==
             milliseconds{40});
}
