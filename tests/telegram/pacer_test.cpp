#define BOOST_TEST_MODULE pacer
#include <boost/test/unit_test.hpp>

#include "core/clock.hpp"
#include "telegram/pacer.hpp"

#include <algorithm>
#include <map>
#include <vector>

using namespace telclaude::telegram;
using namespace std::chrono_literals;

namespace {

struct fixture {
  telclaude::manual_clock clk;
  pacer p;

  /// Runs every call due now, each ending `ok`; gives their tickets.
  std::vector<ticket> drain_now() {
    std::vector<ticket> out;
    while (auto t = p.next(clk.now())) {
      out.push_back(*t);
    }
    for (auto& t : out)
      p.finish(t.id, call_outcome::ok, clk.now());
    return out;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(private_chat_gets_one_call_per_interval, fixture) {
  for (int i = 0; i < 3; ++i)
    p.submit(1, lane::final, 0, clk.now());
  auto t = p.next(clk.now());
  BOOST_TEST_REQUIRE(t.has_value());
  // One in flight per chat.
  BOOST_TEST(!p.next(clk.now()).has_value());
  p.finish(t->id, call_outcome::ok, clk.now());
  BOOST_TEST(!p.next(clk.now()).has_value());
  BOOST_TEST_REQUIRE(p.wake_at(clk.now()).has_value());
  BOOST_TEST((*p.wake_at(clk.now()) - clk.now() == 1050ms));
  clk.advance(1049ms);
  BOOST_TEST(!p.next(clk.now()).has_value());
  clk.advance(1ms);
  BOOST_TEST(p.next(clk.now()).has_value());
}

BOOST_FIXTURE_TEST_CASE(groups_get_twenty_a_minute, fixture) {
  int sent = 0;
  p.submit(-100, lane::final, 0, clk.now());
  for (int ms = 0; ms < 60'000; ms += 10) {
    if (auto t = p.next(clk.now())) {
      ++sent;
      p.finish(t->id, call_outcome::ok, clk.now());
      p.submit(-100, lane::final, 0, clk.now());
    }
    clk.advance(10ms);
  }
  BOOST_TEST(sent <= 20);
  BOOST_TEST(sent >= 19);
}

BOOST_FIXTURE_TEST_CASE(global_budget_is_shared_fairly, fixture) {
  // 100 private chats, each with plenty queued: demand far over 29/s.
  for (std::int64_t chat = 1; chat <= 100; ++chat)
    for (int i = 0; i < 20; ++i)
      p.submit(chat, lane::final, 0, clk.now());
  std::map<std::int64_t, int> served;
  int total = 0;
  for (int ms = 0; ms < 20'000; ms += 5) {
    for (auto& t : drain_now()) {
      ++served[t.chat_id];
      ++total;
    }
    clk.advance(5ms);
  }
  // About 29/s for 20 s: at least 90% of the budget used.
  BOOST_TEST(total >= 560);
  BOOST_TEST(total <= 581);
  int most = 0, least = 1 << 30;
  for (std::int64_t chat = 1; chat <= 100; ++chat) {
    most = std::max(most, served[chat]);
    least = std::min(least, served[chat]);
  }
  BOOST_TEST(least >= 1);
  BOOST_TEST(double(most) / least <= 1.5);
}

BOOST_FIXTURE_TEST_CASE(never_more_than_thirty_in_any_second, fixture) {
  for (std::int64_t chat = 1; chat <= 100; ++chat)
    for (int i = 0; i < 5; ++i)
      p.submit(chat, lane::final, 0, clk.now());
  std::vector<telclaude::clock::time_point> at;
  for (int ms = 0; ms < 5'000; ms += 1) {
    for (auto& t : drain_now()) {
      (void) t;
      at.push_back(clk.now());
    }
    clk.advance(1ms);
  }
  for (std::size_t i = 0; i < at.size(); ++i) {
    std::size_t n = 0;
    for (std::size_t j = i; j < at.size() && at[j] - at[i] < 1s; ++j)
      ++n;
    BOOST_TEST_REQUIRE(n <= 30u);
  }
}

BOOST_FIXTURE_TEST_CASE(edits_of_one_message_coalesce, fixture) {
  auto a = p.submit(1, lane::preview, 7, clk.now());
  auto b = p.submit(1, lane::preview, 7, clk.now());
  BOOST_TEST(b.coalesced);
  BOOST_TEST(a.id == b.id);
  auto t = p.next(clk.now());
  BOOST_TEST_REQUIRE(t.has_value());
  // In flight: a new edit of the same message queues behind it.
  auto c = p.submit(1, lane::final, 7, clk.now());
  BOOST_TEST(!c.coalesced);
  // Another final edit joins the queued one.
  auto d = p.submit(1, lane::final, 7, clk.now());
  BOOST_TEST(d.coalesced);
  BOOST_TEST(d.id == c.id);
}

BOOST_FIXTURE_TEST_CASE(a_final_upgrades_a_queued_preview, fixture) {
  // Chat 1 has a preview queued, chat 2 a final: the final goes first
  // once both are ready, whatever the round robin says.
  p.submit(1, lane::preview, 1, clk.now());
  p.submit(2, lane::final, 0, clk.now());
  auto t = p.next(clk.now());
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST(t->chat_id == 2);
  BOOST_TEST((t->priority == lane::final));
  p.finish(t->id, call_outcome::ok, clk.now());
  auto up = p.submit(1, lane::final, 1, clk.now());
  BOOST_TEST(up.coalesced);
  clk.advance(100ms);
  auto u = p.next(clk.now());
  BOOST_TEST_REQUIRE(u.has_value());
  BOOST_TEST((u->priority == lane::final));
}

BOOST_FIXTURE_TEST_CASE(retry_after_pauses_only_its_chat, fixture) {
  p.submit(1, lane::final, 0, clk.now());
  p.submit(2, lane::final, 0, clk.now());
  auto t1 = p.next(clk.now());
  BOOST_TEST_REQUIRE(t1.has_value());
  BOOST_TEST((p.finish(t1->id, call_outcome::rate_limited, clk.now(), 7s) ==
              verdict::retry));
  // Chat 2 is unaffected (beyond the global spacing).
  clk.advance(50ms);
  auto t2 = p.next(clk.now());
  BOOST_TEST_REQUIRE(t2.has_value());
  BOOST_TEST(t2->chat_id != t1->chat_id);
  p.finish(t2->id, call_outcome::ok, clk.now());
  // Chat 1 waits exactly its retry_after.
  clk.advance(6900ms);
  BOOST_TEST(!p.next(clk.now()).has_value());
  clk.advance(100ms);
  auto again = p.next(clk.now());
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->id == t1->id);
  // ... and its pace is slower now, recovering with successes.
  BOOST_TEST(p.chat_slowdown(t1->chat_id) > 1.0);
  BOOST_TEST(p.global_rate() < 29.0);
}

BOOST_FIXTURE_TEST_CASE(retry_after_in_several_chats_pauses_all, fixture) {
  for (std::int64_t chat = 1; chat <= 3; ++chat)
    p.submit(chat, lane::final, 0, clk.now());
  auto a = p.next(clk.now());
  clk.advance(40ms);
  auto b = p.next(clk.now());
  BOOST_TEST_REQUIRE((a && b));
  p.finish(a->id, call_outcome::rate_limited, clk.now(), 5s);
  p.finish(b->id, call_outcome::rate_limited, clk.now(), 5s);
  clk.advance(4s);
  BOOST_TEST(!p.next(clk.now()).has_value()); // chat 3 paused too
  clk.advance(1s);
  BOOST_TEST(p.next(clk.now()).has_value());
}

BOOST_FIXTURE_TEST_CASE(transient_errors_back_off_then_give_up, fixture) {
  p.submit(1, lane::final, 0, clk.now());
  std::vector<verdict> vs;
  for (int i = 0; i < 10 && !p.idle(); ++i) {
    std::optional<ticket> t;
    while (!(t = p.next(clk.now())))
      clk.advance(10ms);
    vs.push_back(p.finish(t->id, call_outcome::transient, clk.now()));
  }
  BOOST_TEST_REQUIRE(vs.size() == 5u);
  BOOST_TEST((vs.back() == verdict::gave_up));
  BOOST_TEST(p.idle());
}

BOOST_FIXTURE_TEST_CASE(backoff_grows, fixture) {
  p.submit(1, lane::final, 0, clk.now());
  auto t = p.next(clk.now());
  p.finish(t->id, call_outcome::transient, clk.now());
  BOOST_TEST((*p.wake_at(clk.now()) - clk.now() == 1050ms)); // interval
  clk.advance(1050ms);
  t = p.next(clk.now());
  p.finish(t->id, call_outcome::transient, clk.now());
  BOOST_TEST((*p.wake_at(clk.now()) - clk.now() == 1050ms));
  clk.advance(1050ms);
  t = p.next(clk.now());
  p.finish(t->id, call_outcome::transient, clk.now());
  BOOST_TEST((*p.wake_at(clk.now()) - clk.now() == 2000ms)); // 500 * 2^2
}

BOOST_FIXTURE_TEST_CASE(order_within_a_chat_is_kept, fixture) {
  auto a = p.submit(1, lane::final, 0, clk.now()).id;
  auto b = p.submit(1, lane::final, 0, clk.now()).id;
  auto t = p.next(clk.now());
  BOOST_TEST(t->id == a);
  p.finish(a, call_outcome::again, clk.now());
  clk.advance(2s);
  t = p.next(clk.now());
  BOOST_TEST(t->id == a); // retried first
  p.finish(a, call_outcome::ok, clk.now());
  clk.advance(2s);
  BOOST_TEST(p.next(clk.now())->id == b);
}

BOOST_FIXTURE_TEST_CASE(a_chat_counts_its_pace_from_the_call_end, fixture) {
  // Telegram may get a slow call late: the next waits from its end.
  p.submit(1, lane::final, 0, clk.now());
  p.submit(1, lane::final, 0, clk.now());
  auto t = p.next(clk.now());
  BOOST_TEST_REQUIRE(t.has_value());
  clk.advance(600ms);
  p.finish(t->id, call_outcome::ok, clk.now());
  clk.advance(1049ms);
  BOOST_TEST(!p.next(clk.now()).has_value());
  clk.advance(1ms);
  BOOST_TEST(p.next(clk.now()).has_value());
}

BOOST_FIXTURE_TEST_CASE(calls_in_flight_count_against_the_budget, fixture) {
  for (std::int64_t chat = 1; chat <= 40; ++chat)
    p.submit(chat, lane::final, 0, clk.now());
  std::vector<ticket> flying;
  while (auto t = p.next(clk.now()))
    flying.push_back(*t);
  BOOST_TEST(flying.size() == 29u);
  // However long they take, no more goes until one ends...
  clk.advance(5s);
  BOOST_TEST(!p.next(clk.now()).has_value());
  BOOST_TEST(!p.wake_at(clk.now()).has_value());
  // ... and the one that ended counts for a span more.
  p.finish(flying[0].id, call_outcome::ok, clk.now());
  BOOST_TEST(!p.next(clk.now()).has_value());
  BOOST_TEST((*p.wake_at(clk.now()) - clk.now() == 1010ms));
  clk.advance(1010ms);
  BOOST_TEST(p.next(clk.now()).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_call_not_sent_spends_nothing, fixture) {
  p.submit(1, lane::final, 0, clk.now());
  p.submit(1, lane::final, 0, clk.now());
  auto t = p.next(clk.now());
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST((p.finish(t->id, call_outcome::not_sent, clk.now()) ==
              verdict::done));
  // The chat's next call goes at once, the budget untouched.
  auto u = p.next(clk.now());
  BOOST_TEST_REQUIRE(u.has_value());
  BOOST_TEST(u->id != t->id);
}

// Telegram as the loopback Bot API counts: each call when it arrives, at
// any moment between its start and its end here (latencies up to 300 ms,
// uneven). It must never see more than 30 in a second for the bot, nor
// two within a second for one private chat.
BOOST_FIXTURE_TEST_CASE(telegram_never_sees_the_limits_broken, fixture) {
  struct flight {
    ticket t;
    telclaude::clock::time_point start, end;
  };
  std::vector<flight> flying;
  std::vector<std::pair<telclaude::clock::time_point, std::int64_t>> seen;
  for (std::int64_t chat = 1; chat <= 60; ++chat)
    for (int i = 0; i < 40; ++i)
      p.submit(chat, lane::preview, 0, clk.now());
  std::uint64_t seed = 12345;
  auto rnd = [&](int n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % static_cast<std::uint64_t>(n));
  };
  for (int ms = 0; ms < 30'000; ++ms) {
    const auto now = clk.now();
    for (auto it = flying.begin(); it != flying.end();) {
      if (it->end <= now) {
        // Arrived somewhere in [start, end].
        auto span = it->end - it->start;
        auto at = it->start + span * rnd(1001) / 1000;
        seen.emplace_back(at, it->t.chat_id);
        p.finish(it->t.id, call_outcome::ok, now);
        it = flying.erase(it);
      } else {
        ++it;
      }
    }
    while (flying.size() < 8) {
      auto t = p.next(now);
      if (!t)
        break;
      auto lat = std::chrono::milliseconds{rnd(10) == 0 ? 300 : rnd(40)};
      flying.push_back({*t, now, now + lat});
    }
    clk.advance(1ms);
  }
  std::sort(seen.begin(), seen.end());
  BOOST_TEST(seen.size() > 700u); // the budget is used
  std::map<std::int64_t, telclaude::clock::time_point> last;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    std::size_t n = 0;
    for (std::size_t j = i; j < seen.size() && seen[j].first - seen[i].first
                                                 < 1s; ++j)
      ++n;
    BOOST_TEST_REQUIRE(n <= 30u);
    auto l = last.find(seen[i].second);
    if (l != last.end())
      BOOST_TEST_REQUIRE((seen[i].first - l->second >= 1s));
    last[seen[i].second] = seen[i].first;
  }
}
