#define BOOST_TEST_MODULE storage_auth
#include <boost/test/unit_test.hpp>

#include "storage/admin.hpp"
#include "storage/approvals.hpp"
#include "storage/auth_codes.hpp"
#include "storage/identity_links.hpp"
#include "storage/reset_auth.hpp"
#include "storage/totp_sessions.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

BOOST_AUTO_TEST_CASE(identity_links_round_trip_and_survive_reopen) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    identity_links links{db};
    BOOST_TEST(!links.get(5));
    links.upsert({5, "WRITE_SAFE", 1000, "link-code"});
    links.upsert({3, "READ_ONLY", 900, "cli: alice"});
    links.upsert({5, "FULL_ACCESS", 2000, "admin-claim"});  // replaces
    BOOST_TEST(links.count() == 2u);
  }
  auto db = database::open(dir / "t.db");
  identity_links links{db};
  BOOST_TEST((*links.get(5) == identity_link{5, "FULL_ACCESS", 2000,
                                             "admin-claim"}));
  auto all = links.list();
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].user_id == 3);
  BOOST_TEST(links.remove(3));
  BOOST_TEST(!links.remove(3));
  BOOST_TEST(links.remove_all() == 1u);
  BOOST_TEST(links.count() == 0u);
}

BOOST_AUTO_TEST_CASE(admin_is_claimed_once_even_from_another_connection) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  auto other = database::open(dir / "t.db");
  admin first{db};
  admin second{other};
  BOOST_TEST(!first.get());
  BOOST_TEST(first.claim(11, 1000));
  BOOST_TEST(!second.claim(22, 1001));
  BOOST_TEST(!second.claim(11, 1002));
  auto record = second.get();
  BOOST_REQUIRE(record);
  BOOST_TEST(record->user_id == 11);
  BOOST_TEST(record->claimed_at_ms == 1000);
  BOOST_TEST(second.clear());
  BOOST_TEST(!first.clear());
  BOOST_TEST(first.claim(22, 2000));
  BOOST_TEST(first.get()->user_id == 22);
}

BOOST_AUTO_TEST_CASE(codes_are_consumed_once_before_expiry_for_their_purpose) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  auth_codes codes{db};
  BOOST_TEST(codes.issue({"ABC123", auth_purpose::admin_claim, 42, 0, 300'000}));
  BOOST_TEST(!codes.issue({"ABC123", auth_purpose::link, 43, 0, 600'000}));
  BOOST_TEST(codes.issue({"link01", auth_purpose::link, 7, 0, 600'000}));
  BOOST_TEST(codes.count_valid(auth_purpose::admin_claim, 1) == 1u);

  // The wrong purpose neither consumes nor reveals the code.
  auto wrong = codes.consume(auth_purpose::link, "ABC123", 1000);
  BOOST_TEST((wrong.status == consume_status::not_found));
  BOOST_TEST(!wrong);
  BOOST_TEST(!codes.consume(auth_purpose::admin_claim, "abc123", 1000));

  auto taken = codes.consume(auth_purpose::admin_claim, "ABC123", 299'999);
  BOOST_TEST((taken.status == consume_status::consumed));
  BOOST_REQUIRE(taken.code);
  BOOST_TEST(taken.code->subject == 42);
  BOOST_TEST(taken.code->expires_ms == 300'000);
  auto again = codes.consume(auth_purpose::admin_claim, "ABC123", 300'000);
  BOOST_TEST((again.status == consume_status::not_found));

  // At expires_ms exactly the code is expired, and gone afterwards.
  auto late = codes.consume(auth_purpose::link, "link01", 600'000);
  BOOST_TEST((late.status == consume_status::expired));
  BOOST_TEST(!late.code);
  BOOST_TEST((codes.consume(auth_purpose::link, "link01", 1).status
              == consume_status::not_found));
}

BOOST_AUTO_TEST_CASE(purge_removes_only_expired_codes) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  auth_codes codes{db};
  BOOST_TEST(codes.issue({"a", auth_purpose::link, 1, 0, 100}));
  BOOST_TEST(codes.issue({"b", auth_purpose::link, 2, 0, 200}));
  BOOST_TEST(codes.issue({"c", auth_purpose::admin_claim, 3, 0, 300}));
  BOOST_TEST(codes.purge_expired(200) == 2u);
  BOOST_TEST(codes.count_valid(auth_purpose::admin_claim, 200) == 1u);
  BOOST_TEST(codes.remove_all() == 1u);
}

BOOST_AUTO_TEST_CASE(reset_auth_clears_links_admin_codes_and_approvals) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  identity_links links{db};
  admin admin_slot{db};
  auth_codes codes{db};
  approvals requests{db};
  links.upsert({1, "READ_ONLY", 0, "link-code"});
  links.upsert({2, "FULL_ACCESS", 0, "admin-claim"});
  BOOST_TEST(admin_slot.claim(2, 0));
  BOOST_TEST(codes.issue({"x", auth_purpose::link, 1, 0, 10}));
  approval a;
  a.code = "q1";
  a.requester_id = 1;
  a.request_text = "rm -rf build";
  a.tier = "WRITE_SAFE";
  a.expires_ms = 10;
  BOOST_TEST(requests.create(a));
  links.upsert({3, "READ_ONLY", 0, "x"});
  totp_sessions factors{db};
  factors.set_enrolled(2, 5);
  factors.open_session(2, 1000);

  auto counts = reset_auth(db);
  BOOST_TEST(counts.links == 3u);
  BOOST_TEST(counts.admins == 1u);
  BOOST_TEST(counts.codes == 1u);
  BOOST_TEST(counts.approvals == 1u);
  BOOST_TEST(counts.totp_sessions == 1u);
  BOOST_TEST(!factors.get(2).enrolled_ms);
  BOOST_TEST(links.count() == 0u);
  BOOST_TEST(!admin_slot.get());
  BOOST_TEST(!requests.get("q1"));
  auto none = reset_auth(db);
  BOOST_TEST(none.links + none.admins + none.codes + none.approvals == 0u);
}

BOOST_AUTO_TEST_CASE(totp_sessions_track_enrolment_and_sessions) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  totp_sessions factors{db};
  auto none = factors.get(7);
  BOOST_TEST(none.user_id == 7);
  BOOST_TEST(!none.enrolled_ms);
  BOOST_TEST(none.session_expires_ms == 0);
  // A session without enrolment (skip-totp), then enrolment keeps it.
  factors.open_session(7, 5'000);
  factors.set_enrolled(7, 1'000);
  auto s = factors.get(7);
  BOOST_TEST(*s.enrolled_ms == 1'000);
  BOOST_TEST(s.session_expires_ms == 5'000);
  // Enrolment does not reset an open session; a new session extends it.
  factors.open_session(7, 9'000);
  BOOST_TEST(factors.get(7).session_expires_ms == 9'000);
  BOOST_TEST(factors.close_session(7, 2'000));
  BOOST_TEST(factors.get(7).session_expires_ms == 0);
  BOOST_TEST(*factors.get(7).enrolled_ms == 1'000);
  BOOST_TEST(!factors.close_session(7, 2'000));  // nothing open
  factors.clear_enrolled(7);
  BOOST_TEST(!factors.get(7).enrolled_ms);
  // Rows of other users are untouched; remove_all counts rows.
  factors.set_enrolled(8, 1);
  factors.set_enrolled(9, 1);
  BOOST_TEST(factors.remove_all() == 2u);
}
