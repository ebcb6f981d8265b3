#define BOOST_TEST_MODULE rate_policy
#include <boost/test/unit_test.hpp>

#include "security/rate_policy.hpp"

using namespace telclaude::security;
using telclaude::tier;
using namespace std::chrono_literals;

namespace {

rate_limits reference() {
  rate_limits l;
  l.global = {100, 1000};
  l.per_user = {10, 60};
  l.per_tier = {window_limits{20, 200}, window_limits{10, 100},
                window_limits{5, 30}};
  l.user_overrides[42] = {20, 100};
  return l;
}

} // namespace

BOOST_AUTO_TEST_CASE(which_limits_apply) {
  using m = rate_window;
  struct row {
    std::int64_t user;
    tier t;
    std::vector<limit_to_acquire> expected;
  };
  const row rows[] = {
    {7,
     tier::read_only,
     {{"global", m::minute, 100},
      {"global", m::hour, 1000},
      {"user:7", m::minute, 10},
      {"user:7", m::hour, 60},
      {"tier:READ_ONLY:user:7", m::minute, 20},
      {"tier:READ_ONLY:user:7", m::hour, 200}}},
    // The override replaces perUser; the tier limit still applies.
    {42,
     tier::write_safe,
     {{"global", m::minute, 100},
      {"global", m::hour, 1000},
      {"user:42", m::minute, 20},
      {"user:42", m::hour, 100},
      {"tier:WRITE_SAFE:user:42", m::minute, 10},
      {"tier:WRITE_SAFE:user:42", m::hour, 100}}},
    {-100123,
     tier::full_access,
     {{"global", m::minute, 100},
      {"global", m::hour, 1000},
      {"user:-100123", m::minute, 10},
      {"user:-100123", m::hour, 60},
      {"tier:FULL_ACCESS:user:-100123", m::minute, 5},
      {"tier:FULL_ACCESS:user:-100123", m::hour, 30}}},
  };
  const auto limits = reference();
  for (const auto& r : rows)
    BOOST_TEST(limits_for(limits, r.user, r.t) == r.expected,
               "user " << r.user);
}

BOOST_AUTO_TEST_CASE(zero_is_unlimited_negative_refuses_all) {
  rate_limits l;
  l.global = {0, 500};
  l.per_user = {-1, 0};
  const auto got = limits_for(l, 1, tier::read_only);
  const std::vector<limit_to_acquire> expected{
    {"global", rate_window::hour, 500}, {"user:1", rate_window::minute, 0}};
  BOOST_TEST(got == expected);
  BOOST_TEST(limits_for(rate_limits{}, 1, tier::read_only).empty());
}

BOOST_AUTO_TEST_CASE(fixed_windows) {
  BOOST_TEST(window_length(rate_window::minute) == 60s);
  BOOST_TEST(window_length(rate_window::hour) == 1h);
  BOOST_TEST(window_start_ms(rate_window::minute, 125'000) == 120'000);
  BOOST_TEST(window_start_ms(rate_window::minute, 120'000) == 120'000);
  BOOST_TEST(window_start_ms(rate_window::hour, 3'599'999) == 0);
  BOOST_TEST(window_start_ms(rate_window::minute, -1) == -60'000);
  const limit_to_acquire minute{"global", rate_window::minute, 1};
  const limit_to_acquire hour{"global", rate_window::hour, 1};
  BOOST_TEST(retry_after(minute, 125'000).count() == 55'000);
  BOOST_TEST(retry_after(minute, 120'000).count() == 60'000);
  BOOST_TEST(retry_after(hour, 3'600'000 + 60'500).count() == 3'539'500);
}

BOOST_AUTO_TEST_CASE(retry_message_rounding) {
  struct row {
    long long ms;
    const char* when;
  };
  const row rows[] = {
    {-5, "1 second"},       {0, "1 second"},       {1, "1 second"},
    {1000, "1 second"},     {1001, "2 seconds"},   {42'000, "42 seconds"},
    {58'001, "59 seconds"}, {59'000, "59 seconds"}, {59'001, "1 minute"},
    {60'000, "1 minute"},   {60'001, "2 minutes"}, {119'000, "2 minutes"},
    {3'539'500, "59 minutes"}, {3'600'000, "60 minutes"},
  };
  for (const auto& r : rows)
    BOOST_TEST(retry_message(std::chrono::milliseconds{r.ms}) ==
                 "Too many requests. Try again in " + std::string(r.when) +
                   ".",
               r.ms);
}
