#define BOOST_TEST_MODULE admission
#include <boost/test/unit_test.hpp>

#include "sandbox/admission.hpp"

using namespace std::chrono_literals;
using telclaude::manual_clock;
using telclaude::sandbox::admission;
using ids = std::vector<admission::ticket>;

namespace {

admission::limits caps(int global, int per_user, std::chrono::milliseconds gap
                                                 = 0ms) {
  admission::limits l;
  l.max_concurrent = global;
  l.max_per_user = per_user;
  l.min_interval = gap;
  l.notice_gap = 30s;
  l.first_notice_after = 0ms;
  return l;
}

} // namespace

BOOST_AUTO_TEST_CASE(under_the_caps_a_run_starts_at_once) {
  manual_clock c;
  admission a{caps(2, 2)};
  auto s = a.request(1, 100, c.now());
  BOOST_TEST(s.granted == ids{1});
  BOOST_TEST(s.notices.empty());
  BOOST_TEST(a.running_count() == 1u);
}

BOOST_AUTO_TEST_CASE(over_the_global_cap_runs_wait_and_start_in_order) {
  manual_clock c;
  admission a{caps(2, 5)};
  a.request(1, 100, c.now());
  a.request(2, 200, c.now());
  auto s3 = a.request(3, 300, c.now());
  BOOST_TEST(s3.granted.empty());
  BOOST_REQUIRE_EQUAL(s3.notices.size(), 1u);
  BOOST_TEST(s3.notices[0].id == 3u);
  BOOST_TEST(s3.notices[0].ahead == 0u);
  auto s4 = a.request(4, 400, c.now());
  BOOST_REQUIRE_EQUAL(s4.notices.size(), 1u);
  BOOST_TEST(s4.notices[0].ahead == 1u);
  BOOST_TEST(*a.ahead_of(4) == 1u);
  // Releases grant in queue order, one slot each.
  BOOST_TEST(a.release(2, c.now()).granted == ids{3});
  BOOST_TEST(a.release(1, c.now()).granted == ids{4});
  BOOST_TEST(a.waiting_count() == 0u);
  BOOST_TEST(a.running_count() == 2u);
}

BOOST_AUTO_TEST_CASE(a_user_at_their_cap_does_not_block_others) {
  manual_clock c;
  admission a{caps(3, 1)};
  BOOST_TEST(a.request(1, 100, c.now()).granted == ids{1});
  auto s = a.request(2, 100, c.now());
  BOOST_TEST(s.granted.empty());
  BOOST_TEST(a.waiting(2));
  // Another user passes the waiting run of the first one.
  BOOST_TEST(a.request(3, 200, c.now()).granted == ids{3});
  BOOST_TEST(a.release(1, c.now()).granted == ids{2});
}

BOOST_AUTO_TEST_CASE(the_spawn_interval_spaces_starts_with_injected_time) {
  manual_clock c;
  admission a{caps(5, 5, 200ms)};
  BOOST_TEST(a.request(1, 1, c.now()).granted == ids{1});
  auto s = a.request(2, 2, c.now());
  BOOST_TEST(s.granted.empty());
  BOOST_REQUIRE(s.wake_at.has_value());
  BOOST_TEST((*s.wake_at - c.now() == 200ms));
  c.advance(199ms);
  BOOST_TEST(a.poll(c.now()).granted.empty());
  c.advance(1ms);
  BOOST_TEST(a.poll(c.now()).granted == ids{2});
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiting_run_leaves_the_queue) {
  manual_clock c;
  admission a{caps(1, 1)};
  a.request(1, 1, c.now());
  a.request(2, 2, c.now());
  a.request(3, 3, c.now());
  BOOST_TEST(*a.ahead_of(3) == 1u);
  BOOST_TEST(a.release(2, c.now()).granted.empty());
  BOOST_TEST(!a.waiting(2));
  BOOST_TEST(*a.ahead_of(3) == 0u);
  BOOST_TEST(a.release(1, c.now()).granted == ids{3});
}

BOOST_AUTO_TEST_CASE(no_slot_leaks_through_any_order_of_events) {
  manual_clock c;
  admission a{caps(2, 1)};
  for (admission::ticket t = 1; t <= 50; ++t)
    a.request(t, static_cast<std::int64_t>(t % 7), c.now());
  // Release running ones and cancel waiting ones in a mixed order.
  for (admission::ticket t = 50; t >= 1; --t) {
    a.release(t, c.now());
    BOOST_TEST(a.running_count() <= 2u);
  }
  BOOST_TEST(a.running_count() == 0u);
  BOOST_TEST(a.waiting_count() == 0u);
  // Releasing twice or unknown tickets changes nothing.
  BOOST_TEST(a.release(7, c.now()).granted.empty());
  BOOST_TEST(a.request(99, 1, c.now()).granted == ids{99});
}

BOOST_AUTO_TEST_CASE(position_updates_are_sent_when_moved_and_not_too_often) {
  manual_clock c;
  admission a{caps(1, 5)};
  a.request(1, 1, c.now());
  a.request(2, 2, c.now());
  auto s = a.request(3, 3, c.now());
  BOOST_TEST((s.notices == std::vector<admission::notice>{{3, 1}}));
  // Run 2 is granted after 1 ends; run 3 moved up, but it was told only a
  // moment ago: no update yet.
  c.advance(1s);
  auto r = a.release(1, c.now());
  BOOST_TEST(r.granted == ids{2});
  BOOST_TEST(r.notices.empty());
  // Once the gap has passed the move is told, once.
  c.advance(30s);
  BOOST_TEST((a.poll(c.now()).notices
              == std::vector<admission::notice>{{3, 0}}));
  c.advance(60s);
  BOOST_TEST(a.poll(c.now()).notices.empty());
}

BOOST_AUTO_TEST_CASE(a_repeated_request_is_ignored) {
  manual_clock c;
  admission a{caps(1, 1)};
  a.request(1, 1, c.now());
  a.request(1, 1, c.now());
  BOOST_TEST(a.running_count() == 1u);
  BOOST_TEST(a.waiting_count() == 0u);
}

BOOST_AUTO_TEST_CASE(the_interval_applies_past_a_user_at_their_cap) {
  manual_clock c;
  admission a{caps(3, 1, 200ms)};
  BOOST_TEST(a.request(1, 10, c.now()).granted == ids{1});
  BOOST_TEST(a.request(2, 10, c.now()).granted.empty());
  auto s = a.request(3, 20, c.now());
  BOOST_TEST(s.granted.empty());
  BOOST_REQUIRE(s.wake_at.has_value());
  c.advance(200ms);
  BOOST_TEST(a.poll(c.now()).granted == ids{3});
  BOOST_TEST(a.waiting(2));
}

BOOST_AUTO_TEST_CASE(a_short_wait_is_not_announced) {
  manual_clock c;
  auto l = caps(1, 1);
  l.first_notice_after = 2s;
  admission a{l};
  a.request(1, 10, c.now());
  auto s = a.request(2, 20, c.now());
  BOOST_TEST(s.notices.empty());
  // It asks to be polled when its first notice falls due.
  BOOST_REQUIRE(s.wake_at.has_value());
  BOOST_TEST((*s.wake_at == c.now() + 2s));
  // The slot comes back within the grace: the run starts, never told.
  c.advance(1500ms);
  auto r = a.release(1, c.now());
  BOOST_TEST(r.granted == ids{2});
  BOOST_TEST(r.notices.empty());
  // A third run that really waits is told once the grace has passed.
  a.request(3, 30, c.now());
  c.advance(1999ms);
  BOOST_TEST(a.poll(c.now()).notices.empty());
  c.advance(1ms);
  BOOST_TEST((a.poll(c.now()).notices
              == std::vector<admission::notice>{{3, 0}}));
}
