#define BOOST_TEST_MODULE guard
#include <boost/test/unit_test.hpp>

#include "totp/guard.hpp"

using namespace telclaude::totp;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(five_wrong_codes_lock_the_user_for_five_minutes) {
  telclaude::manual_clock clock;
  guard g{{}, clock};
  for (int i = 0; i < 4; ++i) {
    g.record_failure(7);
    BOOST_TEST(!g.locked(7));
  }
  g.record_failure(7);
  BOOST_REQUIRE(g.locked(7));
  BOOST_TEST(g.locked(7)->count() == 300);
  clock.advance(299s);
  BOOST_TEST(g.locked(7)->count() == 1);
  clock.advance(500ms);
  BOOST_TEST(g.locked(7)->count() == 1);  // rounded up, never "0 s"
  clock.advance(500ms);
  BOOST_TEST(!g.locked(7));
}

BOOST_AUTO_TEST_CASE(a_lockout_that_ran_out_starts_the_count_again) {
  telclaude::manual_clock clock;
  guard g{{}, clock};
  for (int i = 0; i < 5; ++i)
    g.record_failure(7);
  clock.advance(300s);
  BOOST_TEST(!g.locked(7));
  g.record_failure(7);
  BOOST_TEST(!g.locked(7));
}

BOOST_AUTO_TEST_CASE(a_right_code_resets_the_count) {
  telclaude::manual_clock clock;
  guard g{{}, clock};
  for (int i = 0; i < 4; ++i)
    g.record_failure(7);
  g.record_success(7);
  for (int i = 0; i < 4; ++i)
    g.record_failure(7);
  BOOST_TEST(!g.locked(7));
}

BOOST_AUTO_TEST_CASE(users_are_counted_apart) {
  telclaude::manual_clock clock;
  guard g{{3, 60s}, clock};
  for (int i = 0; i < 3; ++i)
    g.record_failure(1);
  g.record_failure(2);
  BOOST_TEST(g.locked(1)->count() == 60);
  BOOST_TEST(!g.locked(2));
}

BOOST_AUTO_TEST_CASE(only_steps_after_the_last_accepted_one_pass) {
  BOOST_TEST(!guard::replayed(std::nullopt, 0));
  BOOST_TEST(!guard::replayed(10, 11));
  BOOST_TEST(guard::replayed(10, 10));
  BOOST_TEST(guard::replayed(10, 9));
}
