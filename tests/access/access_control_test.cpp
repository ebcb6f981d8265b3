#define BOOST_TEST_MODULE access_control
#include <boost/test/unit_test.hpp>

#include "tests/access/access_fixture.hpp"

using namespace telclaude;
using namespace std::chrono_literals;
using namespace telclaude::access::test;
using access::access_control;
using access::access_options;


BOOST_FIXTURE_TEST_SUITE(claim, fixture)

BOOST_AUTO_TEST_CASE(first_private_message_offers_a_claim_and_the_code_makes_an_admin) {
  auto offer = send(admin_user, "hello");
  BOOST_TEST(!offer.reply.run);
  BOOST_TEST(offer.reply.text.find("to claim admin") != std::string::npos);
  BOOST_TEST(verdict_of(offer) == "offered");
  auto code = code_in(offer.reply.text);
  // Stored as a digest, never as the code.
  BOOST_TEST(storage::auth_codes{db}.count_valid(
               storage::auth_purpose::admin_claim, to_unix_ms(wall.now()))
             == 1u);
  auto done = send(admin_user, "/approve " + code);
  BOOST_TEST(verdict_of(done) == "claimed");
  BOOST_TEST(done.reply.text.find("2FA") == std::string::npos);
  BOOST_TEST(done.reply.text.find("two-factor") != std::string::npos);
  BOOST_TEST(storage::admin{db}.get()->user_id == admin_user);
  BOOST_TEST(storage::identity_links{db}.get(admin_user)->tier == "FULL_ACCESS");
  // A second claim, even with a fresh message, is not offered any more.
  auto again = send(bob, "hello");
  BOOST_TEST(verdict_of(again) == "refused");
  BOOST_TEST(again.audit.back().reason == "not_linked");
}

BOOST_AUTO_TEST_CASE(group_chats_cannot_claim) {
  auto r = send(bob, "hello", group_chat, "group");
  BOOST_TEST(verdict_of(r) == "refused");
  BOOST_TEST(r.audit.back().reason == "group_claim");
  auto offer = send(bob, "hello");
  auto code = code_in(offer.reply.text);
  auto in_group = send(bob, "/approve " + code, group_chat, "group");
  BOOST_TEST(in_group.audit.back().reason == "group_claim");
  BOOST_TEST(!storage::admin{db}.get());
}

BOOST_AUTO_TEST_CASE(wrong_expired_replayed_and_foreign_claim_codes_are_refused) {
  auto offer = send(bob, "hello");
  auto code = code_in(offer.reply.text);
  auto wrong = send(bob, "/approve 23456789");
  BOOST_TEST(wrong.audit.back().reason == "not_found");
  // Offered to bob, presented by alice in her own private chat.
  auto foreign = send(alice, "/approve " + code);
  BOOST_TEST(foreign.audit.back().reason == "foreign");
  BOOST_TEST(!storage::admin{db}.get());

  auto offer2 = send(bob, "hello");
  auto code2 = code_in(offer2.reply.text);
  wall.advance(5min + 1s);
  auto expired = send(bob, "/approve " + code2);
  BOOST_TEST(expired.audit.back().reason == "expired");
  BOOST_TEST(!storage::admin{db}.get());

  auto offer3 = send(bob, "hello");
  auto code3 = code_in(offer3.reply.text);
  BOOST_TEST(verdict_of(send(bob, "/approve " + code3)) == "claimed");
  auto replay = send(bob, "/approve " + code3);
  BOOST_TEST(verdict_of(replay) == "refused");
  BOOST_TEST(storage::admin{db}.get()->user_id == bob);
}

BOOST_AUTO_TEST_CASE(unknown_chats_are_dropped_silently_but_audited) {
  auto r = send(777, "hello");
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.reply.text.empty());
  BOOST_TEST(r.audit.back().reason == "chat_not_allowed");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(links, fixture)

BOOST_AUTO_TEST_CASE(link_code_links_with_the_configured_tier) {
  claim_admin();
  link(alice);
  BOOST_TEST(storage::identity_links{db}.get(alice)->tier == "WRITE_SAFE");
  link(bob);
  BOOST_TEST(storage::identity_links{db}.get(bob)->tier == "READ_ONLY");
  auto r = send(alice, "list the files");
  BOOST_TEST(r.reply.run);
  BOOST_TEST(r.reply.message.tier == "WRITE_SAFE");
  BOOST_TEST(r.reply.message.text == "list the files");
  auto who = send(alice, "/whoami");
  BOOST_TEST(!who.reply.run);
  BOOST_TEST(who.reply.text.find("tg:2002") != std::string::npos);
  BOOST_TEST(who.reply.text.find("WRITE_SAFE") != std::string::npos);
  // 3 per minute for every user; one used by "list the files".
  BOOST_TEST(who.reply.text.find("2 of 3") != std::string::npos,
             who.reply.text);
}

BOOST_AUTO_TEST_CASE(bad_link_codes_are_refused_and_the_code_is_single_use) {
  claim_admin();
  auto for_bob = link_code(bob);
  auto foreign = send(alice, "/link " + for_bob);
  BOOST_TEST(foreign.audit.back().reason == "foreign");
  BOOST_TEST(!storage::identity_links{db}.get(alice));
  // A used (burnt) code cannot link anyone.
  auto replay = send(bob, "/link " + for_bob);
  BOOST_TEST(replay.audit.back().reason == "not_found");
  auto expiring = link_code(bob, 1'000);
  wall.advance(2s);
  BOOST_TEST(send(bob, "/link " + expiring).audit.back().reason == "expired");
  BOOST_TEST(send(bob, "/link 2345").audit.back().reason
             == "control_malformed");
  BOOST_TEST(!storage::identity_links{db}.get(bob));
}

BOOST_AUTO_TEST_CASE(unlinked_and_removed_users_are_refused) {
  claim_admin();
  auto r = send(bob, "hi");
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "not_linked");
  BOOST_TEST(r.reply.text.find("/link") != std::string::npos);
  link(bob);
  BOOST_TEST(send(bob, "hi").reply.run);
  BOOST_TEST(verdict_of(send(bob, "/unlink")) == "unlinked");
  BOOST_TEST(send(bob, "hi").audit.back().reason == "not_linked");
  link(bob);
  storage::identity_links{db}.remove(bob);  // `telclaude link --remove`
  BOOST_TEST(!send(bob, "hi").reply.run);
  // The admin cannot unlink itself.
  BOOST_TEST(verdict_of(send(admin_user, "/unlink")) == "refused");
}

BOOST_AUTO_TEST_CASE(control_commands_never_run_and_others_bots_are_ignored) {
  claim_admin();
  link(bob);
  for (auto text : {"/whoami", "/whoami@telclaude_test_bot", "/unlink now",
                    "/approve", "/deny xx"}) {
    auto r = send(bob, text);
    BOOST_TEST(!r.reply.run, text);
  }
  auto other = send(bob, "/whoami@other_bot", group_chat, "group");
  BOOST_TEST(!other.reply.run);
  BOOST_TEST(other.reply.text.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(limits, fixture)

BOOST_AUTO_TEST_CASE(minute_and_hour_windows_refuse_and_reopen) {
  claim_admin();
  link(bob);
  wall.set(wall.now() - (wall.now().time_since_epoch() % 1h));  // hour start
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(send(bob, "q").reply.run);
  auto limited = send(bob, "q");
  BOOST_TEST(!limited.reply.run);
  BOOST_TEST(limited.audit.back().reason == "rate_limited");
  BOOST_TEST(limited.reply.text.find("Try again in 1 minute")
             != std::string::npos, limited.reply.text);
  // Control commands and /new still work while limited.
  BOOST_TEST(!send(bob, "/whoami").reply.text.empty());
  BOOST_TEST(send(bob, "/new").reply.run);
  wall.advance(1min);
  BOOST_TEST(send(bob, "q").reply.run);
  BOOST_TEST(send(bob, "q").reply.run);
  // Five per hour: the sixth waits for the hour to end.
  auto hour = send(bob, "q");
  BOOST_TEST(hour.audit.back().reason == "rate_limited");
  BOOST_TEST(hour.reply.text.find("59 minutes") != std::string::npos,
             hour.reply.text);
  // A restart does not reset the counters.
  restart();
  wall.advance(1min);
  BOOST_TEST(send(bob, "q").audit.back().reason == "rate_limited");
  wall.advance(1h);
  BOOST_TEST(send(bob, "q").reply.run);
}

BOOST_AUTO_TEST_CASE(per_user_override_and_per_tier_limits) {
  opts.limits.user_overrides[bob] = {1, 10};
  opts.limits.per_tier[1] = {2, 100};  // WRITE_SAFE
  restart();
  claim_admin();
  link(bob);
  link(alice);
  BOOST_TEST(send(bob, "q").reply.run);
  BOOST_TEST(!send(bob, "q").reply.run);  // override: 1 a minute
  BOOST_TEST(send(alice, "q").reply.run);
  BOOST_TEST(send(alice, "q").reply.run);
  auto third = send(alice, "q");  // the WRITE_SAFE tier's 2 a minute
  BOOST_TEST(third.audit.back().reason == "rate_limited");
}

BOOST_AUTO_TEST_CASE(a_broken_limiter_refuses) {
  claim_admin();
  link(bob);
  db.exec("DROP TABLE rate_windows");
  auto r = send(bob, "q");
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "storage_error");
}

BOOST_AUTO_TEST_CASE(broken_identity_storage_refuses) {
  claim_admin();
  link(bob);
  db.exec("UPDATE identity_links SET tier = 'ROOT' WHERE user_id = 3003");
  BOOST_TEST(send(bob, "q").audit.back().reason == "storage_error");
  db.exec("DROP TABLE identity_links");
  auto r = send(bob, "q");
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "storage_error");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(approvals, fixture)

BOOST_AUTO_TEST_CASE(full_access_requests_wait_for_an_approval_that_runs_them) {
  claim_admin();
  auto ask = send(admin_user, "deploy it");
  BOOST_TEST(!ask.reply.run);
  BOOST_TEST(verdict_of(ask) == "pending");
  BOOST_TEST(ask.audit.back().reason == "full_access");
  BOOST_REQUIRE(ask.reply.buttons.size() == 2u);
  BOOST_TEST(ask.reply.text.find("deploy it") != std::string::npos);
  auto data = ask.reply.buttons[0].callback_data;
  BOOST_TEST(data.starts_with("approve:"));
  auto ok = press(admin_user, data, admin_user);
  BOOST_TEST(ok.reply.run);
  BOOST_TEST(ok.reply.message.text == "deploy it");
  BOOST_TEST(ok.reply.message.tier == "FULL_ACCESS");
  BOOST_TEST(ok.reply.message.message_id == 30);  // the request's message
  BOOST_TEST(ok.reply.callback_answer == "Approved.");
  // Approved once: the same button again is refused.
  auto again = press(admin_user, data, admin_user);
  BOOST_TEST(!again.reply.run);
  BOOST_TEST(again.audit.back().reason == "already_decided");
}

BOOST_AUTO_TEST_CASE(deny_expiry_and_malformed_codes) {
  claim_admin();
  auto code = ask_code();
  auto denied = send(admin_user, "/deny " + code);
  BOOST_TEST(verdict_of(denied) == "denied");
  BOOST_TEST(!send(admin_user, "/approve " + code).reply.run);
  auto late = ask_code();
  wall.advance(5min);
  auto expired = send(admin_user, "/approve " + late);
  BOOST_TEST(expired.audit.back().reason == "expired");
  BOOST_TEST(!expired.reply.run);
  auto bad = press(admin_user, "approve:../../etc", admin_user);
  BOOST_TEST(bad.audit.back().reason == "control_malformed");
  BOOST_TEST(!bad.reply.callback_answer.empty());
}

BOOST_AUTO_TEST_CASE(only_the_requester_or_the_admin_may_decide) {
  claim_admin();
  link(bob);
  // Make bob FULL_ACCESS by hand (config cannot make that the default).
  storage::identity_links{db}.upsert({bob, "FULL_ACCESS", 0, "test"});
  auto ask = send(bob, "rm -rf build", group_chat, "group");
  auto data = ask.reply.buttons.at(0).callback_data;
  link(alice);
  auto foreign = press(alice, data, group_chat);
  BOOST_TEST(!foreign.reply.run);
  BOOST_TEST(foreign.audit.back().reason == "not_allowed");
  auto by_admin = press(admin_user, data, group_chat);
  BOOST_TEST(by_admin.reply.run);
  BOOST_TEST(by_admin.reply.message.user_id == bob);
  BOOST_TEST(by_admin.reply.message.chat_id == group_chat);
}

BOOST_AUTO_TEST_CASE(a_pending_approval_survives_a_restart) {
  claim_admin();
  auto code = ask_code();
  restart();
  auto ok = send(admin_user, "/approve " + code);
  BOOST_TEST(ok.reply.run);
  BOOST_TEST(ok.reply.message.text == "deploy it");
}

BOOST_AUTO_TEST_CASE(an_unlinked_requester_approval_does_not_run) {
  claim_admin();
  storage::identity_links{db}.upsert({bob, "FULL_ACCESS", 0, "test"});
  auto ask = send(bob, "deploy it");
  auto data = ask.reply.buttons.at(0).callback_data;
  storage::identity_links{db}.remove(bob);
  auto r = press(admin_user, data, bob);
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "requester_not_linked");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(audit_and_profiles, fixture)

BOOST_AUTO_TEST_CASE(audit_excerpts_are_redacted_and_bounded) {
  claim_admin();
  link(bob);
  auto r = send(bob, "my password is hunter2 " + std::string(400, 'x'));
  const auto& e = r.audit.back();
  BOOST_TEST(e.excerpt.find("hunter2") == std::string::npos);
  BOOST_TEST(e.excerpt.find("[REDACTED:test]") != std::string::npos);
  BOOST_TEST(e.excerpt.size() <= access::excerpt_bytes + 3);
  BOOST_TEST(e.user_id == bob);
  BOOST_TEST(e.tier == "READ_ONLY");
  auto rec = access::to_record(e);
  BOOST_TEST(*rec.chat_id == bob);
  BOOST_TEST(!rec.duration_ms);
  BOOST_TEST(!rec.cost_usd);
}

BOOST_AUTO_TEST_CASE(excerpts_cut_at_a_character_boundary) {
  std::string text(access::excerpt_bytes - 1, 'a');
  text += "é and more";
  auto e = access::excerpt(text);
  BOOST_TEST(e == std::string(access::excerpt_bytes - 1, 'a') + "…");
}

BOOST_AUTO_TEST_CASE(the_test_profile_runs_everything_only_when_enabled) {
  opts.mode = security::profile::test;
  restart();
  auto off = send(bob, "hi");
  BOOST_TEST(!off.reply.run);
  BOOST_TEST(off.audit.back().reason == "test_profile_disabled");
  opts.test_profile_enabled = true;
  restart();
  auto on = send(bob, "hi");
  BOOST_TEST(on.reply.run);
  BOOST_TEST(on.reply.message.tier == "WRITE_SAFE");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(connections, fixture)

BOOST_AUTO_TEST_CASE(changes_from_another_connection_are_seen_at_once) {
  // The CLI (another process) links and unlinks while the relay runs:
  // the gatekeeper must never answer from a stale snapshot.
  claim_admin();
  link(alice);
  auto other = storage::database::open(dir / "t.db");
  BOOST_TEST(send(alice, "/whoami").reply.text.find("WRITE_SAFE")
             != std::string::npos);
  BOOST_TEST(send(alice, "q").reply.run);
  storage::identity_links{other}.remove(alice);
  BOOST_TEST(!send(alice, "q").reply.run);
  storage::identity_links{other}.upsert({alice, "READ_ONLY", 0, "cli"});
  auto r = send(alice, "q");
  BOOST_TEST(r.reply.run);
  BOOST_TEST(r.reply.message.tier == "READ_ONLY");
  // The e2e sequence: a link code from the CLI, link, unlink, then the
  // CLI removes another user's link.
  link(bob);
  auto code = link_code(3);
  BOOST_TEST(send(3, "hi").audit.back().reason == "not_linked");
  BOOST_TEST(send(3, "/link " + code).reply.text.starts_with("Linked"));
  BOOST_TEST(send(3, "q").reply.run);
  BOOST_TEST(verdict_of(send(3, "/unlink")) == "unlinked");
  BOOST_TEST(!send(3, "q").reply.run);
  BOOST_TEST(storage::identity_links{other}.remove(bob));
  BOOST_TEST(!send(bob, "q").reply.run);
  link(bob);
  BOOST_TEST(send(bob, "q").reply.run);
  auto cmd = "sqlite3 " + (dir / "t.db").string()
             + " 'DELETE FROM identity_links WHERE user_id = 3003'";
  BOOST_TEST(std::system(cmd.c_str()) == 0);
  BOOST_TEST(!send(bob, "q").reply.run);
}

BOOST_AUTO_TEST_SUITE_END()
