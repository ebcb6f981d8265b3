#define BOOST_TEST_MODULE storage_rate_windows
#include <boost/test/unit_test.hpp>

#include "storage/rate_windows.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

/// 2024-01-01T00:00:00Z: a whole hour, so window starts are easy to see.
constexpr long long t0 = 1'704'067'200'000;

/// The limits a request of `user` in `tier` checks, as the security code
/// will build them: global, tier and user, each per minute and per hour.
std::vector<window_limit> limits_for(const std::string& user,
                                     const std::string& tier, int user_min,
                                     int user_hour) {
  return {{"global", minute_ms, 100},        {"global", hour_ms, 1000},
          {"tier:" + tier, minute_ms, tier == "FULL_ACCESS" ? 5 : 20},
          {"tier:" + tier, hour_ms, tier == "FULL_ACCESS" ? 30 : 200},
          {"user:" + user, minute_ms, user_min},
          {"user:" + user, hour_ms, user_hour}};
}

/// Acquires `n` times at `now`; returns how many were allowed.
int acquire(rate_windows& windows, const std::vector<window_limit>& limits,
            int n, long long now) {
  int allowed = 0;
  for (int i = 0; i < n; ++i)
    allowed += windows.try_acquire(limits, now).allowed ? 1 : 0;
  return allowed;
}

} // namespace

BOOST_AUTO_TEST_CASE(window_start_is_the_floor_of_the_window) {
  BOOST_TEST(window_start(t0 + 59'999, minute_ms) == t0);
  BOOST_TEST(window_start(t0 + 60'000, minute_ms) == t0 + 60'000);
  BOOST_TEST(window_start(t0 + 3'599'999, hour_ms) == t0);
}

BOOST_AUTO_TEST_CASE(minute_window_refuses_then_reopens) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  auto limits = limits_for("1", "READ_ONLY", 10, 60);
  BOOST_TEST(acquire(windows, limits, 10, t0 + 5'000) == 10);
  auto refused = windows.try_acquire(limits, t0 + 20'000);
  BOOST_TEST(!refused.allowed);
  BOOST_REQUIRE(refused.refused_by);
  BOOST_TEST(refused.refused_by->key == "user:1");
  BOOST_TEST(refused.refused_by->window_ms == minute_ms);
  BOOST_TEST(refused.refused_index == 4u);
  BOOST_TEST(refused.retry_after_ms == 40'000);
  // A refused request counts nowhere.
  BOOST_TEST(windows.used("user:1", minute_ms, t0) == 10);
  BOOST_TEST(windows.used("global", hour_ms, t0) == 10);
  BOOST_TEST(windows.try_acquire(limits, t0 + 60'000).allowed);
  BOOST_TEST(windows.used("user:1", hour_ms, t0 + 60'000) == 11);
}

BOOST_AUTO_TEST_CASE(hour_window_refuses_until_the_hour_ends) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  auto limits = limits_for("1", "READ_ONLY", 10, 60);
  for (int minute = 0; minute < 6; ++minute)
    BOOST_TEST(acquire(windows, limits, 10, t0 + minute * minute_ms) == 10);
  auto refused = windows.try_acquire(limits, t0 + 30 * minute_ms);
  BOOST_TEST(!refused.allowed);
  BOOST_TEST(refused.refused_by->key == "user:1");
  BOOST_TEST(refused.refused_by->window_ms == hour_ms);
  BOOST_TEST(refused.retry_after_ms == 30 * minute_ms);
  BOOST_TEST(windows.try_acquire(limits, t0 + hour_ms).allowed);
}

BOOST_AUTO_TEST_CASE(when_several_refuse_the_one_ending_last_is_reported) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  std::vector<window_limit> limits{{"user:1", minute_ms, 2},
                                   {"user:1", hour_ms, 2}};
  BOOST_TEST(acquire(windows, limits, 3, t0 + 1'000) == 2);
  auto refused = windows.try_acquire(limits, t0 + 1'000);
  BOOST_TEST(refused.refused_index == 1u);
  BOOST_TEST(refused.retry_after_ms == hour_ms - 1'000);
}

BOOST_AUTO_TEST_CASE(tier_limit_applies_across_users_of_the_tier) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  // FULL_ACCESS: 5 a minute for the whole tier; each user may do 10.
  BOOST_TEST(acquire(windows, limits_for("1", "FULL_ACCESS", 10, 60), 3,
                     t0) == 3);
  BOOST_TEST(acquire(windows, limits_for("2", "FULL_ACCESS", 10, 60), 3,
                     t0) == 2);
  auto refused =
    windows.try_acquire(limits_for("3", "FULL_ACCESS", 10, 60), t0 + 1);
  BOOST_TEST(refused.refused_by->key == "tier:FULL_ACCESS");
  // Another tier is not affected.
  BOOST_TEST(windows.try_acquire(limits_for("3", "READ_ONLY", 10, 60), t0 + 1)
               .allowed);
}

BOOST_AUTO_TEST_CASE(user_override_raises_one_users_limit) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  BOOST_TEST(acquire(windows, limits_for("1", "WRITE_SAFE", 10, 60), 15,
                     t0) == 10);
  BOOST_TEST(acquire(windows, limits_for("2", "WRITE_SAFE", 15, 100), 20,
                     t0) == 10);  // the tier's 20 a minute stops it
  BOOST_TEST(windows.used("user:2", minute_ms, t0) == 10);
  BOOST_TEST(windows.used("tier:WRITE_SAFE", minute_ms, t0) == 20);
}

BOOST_AUTO_TEST_CASE(global_limit_and_zero_max) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  rate_windows windows{db};
  std::vector<window_limit> global{{"global", minute_ms, 3}};
  BOOST_TEST(acquire(windows, global, 5, t0) == 3);
  BOOST_TEST(!windows.try_acquire({{"x", minute_ms, 0}}, t0).allowed);
  BOOST_TEST(windows.try_acquire({}, t0).allowed);
}

BOOST_AUTO_TEST_CASE(counts_survive_a_restart_and_old_windows_go) {
  temp_dir dir;
  auto limits = limits_for("1", "READ_ONLY", 10, 60);
  {
    auto db = database::open(dir / "t.db");
    rate_windows windows{db};
    BOOST_TEST(acquire(windows, limits, 10, t0 + 1'000) == 10);
  }
  {
    auto db = database::open(dir / "t.db");
    rate_windows windows{db};
    auto refused = windows.try_acquire(limits, t0 + 2'000);
    BOOST_TEST(!refused.allowed);
    BOOST_TEST(refused.retry_after_ms == 58'000);
    BOOST_TEST(windows.try_acquire(limits, t0 + hour_ms + 1).allowed);
    // Every window of the first hour has ended and was deleted.
    BOOST_TEST(windows.used("user:1", minute_ms, t0) == 0);
    BOOST_TEST(windows.purge(t0 + 2 * hour_ms) == 6u);
  }
}
