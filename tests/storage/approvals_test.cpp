#define BOOST_TEST_MODULE storage_approvals
#include <boost/test/unit_test.hpp>

#include "storage/approvals.hpp"
#include "tests/storage/temp_dir.hpp"

#include <atomic>
#include <thread>

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

constexpr std::int64_t requester = 100;
constexpr std::int64_t admin_id = 1;
constexpr long long ttl_ms = 300'000;

approval request(std::string code, long long created_ms = 1'000,
                 std::int64_t chat = 500) {
  approval a;
  a.code = std::move(code);
  a.requester_id = requester;
  a.chat_id = chat;
  a.message_id = 77;
  a.update_id = 9001;
  a.tier = "FULL_ACCESS";
  a.request_text = "deploy the site";
  a.created_ms = created_ms;
  a.expires_ms = created_ms + ttl_ms;
  return a;
}

} // namespace

BOOST_AUTO_TEST_CASE(created_approval_round_trips_and_codes_are_unique) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  approvals store{db};
  BOOST_TEST(store.create(request("K1")));
  auto other = request("K1");
  other.request_text = "something else";
  BOOST_TEST(!store.create(other));
  auto got = store.get("K1");
  BOOST_REQUIRE(got);
  BOOST_TEST((*got == request("K1")));
  BOOST_TEST(!store.get("K2"));
}

BOOST_AUTO_TEST_CASE(requester_approves_once_and_the_request_comes_back) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  approvals store{db};
  BOOST_TEST(store.create(request("K1")));
  auto result = store.decide("K1", requester, admin_id, true, 2'000);
  BOOST_TEST((result.status == decide_status::approved));
  BOOST_REQUIRE(result.request);
  BOOST_TEST(result.request->request_text == "deploy the site");
  BOOST_TEST(result.request->update_id == 9001);
  BOOST_TEST((result.request->status == approval_status::approved));
  BOOST_TEST(*result.request->decided_by == requester);
  BOOST_TEST(*result.request->decided_ms == 2'000);
  BOOST_TEST((*store.get("K1") == *result.request));
  auto again = store.decide("K1", admin_id, admin_id, false, 2'001);
  BOOST_TEST((again.status == decide_status::already_decided));
  BOOST_TEST((store.get("K1")->status == approval_status::approved));
}

BOOST_AUTO_TEST_CASE(admin_may_deny_and_strangers_may_not_decide) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  approvals store{db};
  BOOST_TEST(store.create(request("K1")));
  BOOST_TEST((store.decide("K1", 555, admin_id, true, 2'000).status
              == decide_status::not_allowed));
  BOOST_TEST((store.decide("K1", 555, std::nullopt, true, 2'000).status
              == decide_status::not_allowed));
  BOOST_TEST((store.get("K1")->status == approval_status::pending));
  auto denied = store.decide("K1", admin_id, admin_id, false, 3'000);
  BOOST_TEST((denied.status == decide_status::denied));
  BOOST_TEST(*denied.request->decided_by == admin_id);
  BOOST_TEST((store.decide("nope", admin_id, admin_id, true, 3'000).status
              == decide_status::not_found));
  BOOST_TEST(to_string(decide_status::already_decided) == "already_decided");
}

BOOST_AUTO_TEST_CASE(expired_approval_cannot_be_decided) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  approvals store{db};
  BOOST_TEST(store.create(request("K1", 1'000)));
  BOOST_TEST(store.create(request("K2", 1'000)));
  BOOST_TEST(store.create(request("K3", 200'000)));
  auto late = store.decide("K1", requester, admin_id, true, 1'000 + ttl_ms);
  BOOST_TEST((late.status == decide_status::expired));
  BOOST_TEST((store.get("K1")->status == approval_status::expired));
  BOOST_TEST(!store.get("K1")->decided_by);
  BOOST_TEST((store.decide("K1", requester, admin_id, true, 0).status
              == decide_status::expired));

  auto pending = store.pending_for_chat(500, 1'000 + ttl_ms);
  BOOST_REQUIRE(pending.size() == 1u);  // K2 is past its time too
  BOOST_TEST(pending[0].code == "K3");
  BOOST_TEST(store.pending_for_chat(501, 0).empty());
  BOOST_TEST(store.expire_old(1'000 + ttl_ms) == 1u);  // K2
  BOOST_TEST((store.get("K2")->status == approval_status::expired));
  BOOST_TEST((store.get("K3")->status == approval_status::pending));
}

BOOST_AUTO_TEST_CASE(pending_approval_survives_a_restart) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    approvals store{db};
    BOOST_TEST(store.create(request("K1")));
  }
  auto db = database::open(dir / "t.db");
  approvals store{db};
  BOOST_TEST(store.pending_for_chat(500, 2'000).size() == 1u);
  auto result = store.decide("K1", admin_id, admin_id, true, 2'000);
  BOOST_TEST((result.status == decide_status::approved));
  BOOST_TEST(result.request->request_text == "deploy the site");
}

BOOST_AUTO_TEST_CASE(two_racing_decisions_exactly_one_wins) {
  temp_dir dir;
  constexpr int rounds = 20;
  {
    auto db = database::open(dir / "t.db");
    approvals store{db};
    for (int i = 0; i < rounds; ++i)
      BOOST_TEST(store.create(request("R" + std::to_string(i))));
  }
  std::atomic<int> ready{0};
  std::atomic<int> wins{0};
  std::atomic<int> losses{0};
  auto decider = [&](std::int64_t who, bool approve) {
    auto db = database::open(dir / "t.db");
    approvals store{db};
    ++ready;
    while (ready.load() < 2) {
    }
    for (int i = 0; i < rounds; ++i) {
      auto r = store.decide("R" + std::to_string(i), who, admin_id, approve,
                            2'000);
      if (r.status == decide_status::approved
          || r.status == decide_status::denied)
        ++wins;
      else if (r.status == decide_status::already_decided)
        ++losses;
    }
  };
  std::thread a{decider, requester, true};
  std::thread b{decider, admin_id, false};
  a.join();
  b.join();
  BOOST_TEST(wins.load() == rounds);
  BOOST_TEST(losses.load() == rounds);
}
