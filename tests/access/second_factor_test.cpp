#define BOOST_TEST_MODULE access_second_factor
#include <boost/test/unit_test.hpp>

#include "storage/totp_sessions.hpp"
#include "tests/access/access_fixture.hpp"

#include <map>

using namespace telclaude;
using namespace telclaude::access;
using namespace telclaude::access::test;

namespace {

/// A vault in memory: "123456" is the one right code; `down` makes it
/// unreachable.
struct fake_vault final : second_factor {
  std::map<std::int64_t, factor_state> users;
  bool down = false;
  std::vector<std::string> calls;

  status_answer status(std::int64_t user) override {
    calls.push_back("status");
    if (down)
      return {std::nullopt, {"unavailable", "no daemon"}};
    auto it = users.find(user);
    return {it == users.end() ? factor_state::not_enrolled : it->second, {}};
  }
  setup_answer setup(std::int64_t user) override {
    calls.push_back("setup");
    if (down)
      return {std::nullopt, {"unavailable", "no daemon"}};
    users[user] = factor_state::pending;
    return {"otpauth://totp/telclaude:tg%3A" + std::to_string(user)
              + "?secret=JBSWY3DPEHPK3PXP",
            {}};
  }
  code_answer check(std::int64_t user, std::string_view code, bool disable) {
    calls.push_back(disable ? "disable" : "verify");
    if (down)
      return {std::nullopt, 0, {"unavailable", "no daemon"}};
    auto it = users.find(user);
    if (it == users.end())
      return {code_verdict::not_enrolled, 0, {}};
    if (code == "999999")
      return {code_verdict::locked, 42, {}};
    if (code != "123456")
      return {code_verdict::wrong, 0, {}};
    if (disable)
      users.erase(it);
    else
      it->second = factor_state::enabled;
    return {code_verdict::ok, 0, {}};
  }
  code_answer verify(std::int64_t user, std::string_view code) override {
    return check(user, code, false);
  }
  code_answer disable(std::int64_t user, std::string_view code) override {
    return check(user, code, true);
  }
};

struct factor_fixture : fixture {
  fake_vault vault;

  factor_fixture() {
    factor = &vault;
    opts.totp_session_ttl = 30min;
    restart();
    claim_admin();
    link(bob);
  }

  storage::totp_state state(std::int64_t user) {
    return storage::totp_sessions{db}.get(user);
  }

  /// A FULL_ACCESS request of bob's; its approve button data.
  std::string pending_request() {
    storage::identity_links{db}.upsert({bob, "FULL_ACCESS", 0, "test"});
    auto ask = send(bob, "deploy");
    return ask.reply.buttons.at(0).callback_data;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(two_factor, factor_fixture)

BOOST_AUTO_TEST_CASE(setup_sends_a_qr_code_and_verify_turns_2fa_on) {
  auto setup = send(bob, "/setup-2fa");
  BOOST_TEST(setup.reply.qr.starts_with("otpauth://totp/"));
  BOOST_TEST(setup.reply.text.find("/verify-2fa") != std::string::npos);
  BOOST_TEST(verdict_of(setup) == "pending");
  // Neither the audit reason nor the excerpt carries the secret.
  for (const auto& e : setup.audit) {
    BOOST_TEST(e.reason.find("JBSWY3DP") == std::string::npos);
    BOOST_TEST(e.excerpt.find("JBSWY3DP") == std::string::npos);
  }
  BOOST_TEST(!state(bob).enrolled_ms);
  auto wrong = send(bob, "/verify-2fa 000000");
  BOOST_TEST(wrong.audit.back().reason == "verify-2fa: wrong");
  BOOST_TEST(!state(bob).enrolled_ms);
  auto ok = send(bob, "/verify-2fa 123456");
  BOOST_TEST(verdict_of(ok) == "enabled");
  BOOST_TEST(ok.reply.text.find("30 minutes") != std::string::npos);
  BOOST_TEST(state(bob).enrolled_ms.has_value());
  BOOST_TEST(state(bob).session_expires_ms
             == to_unix_ms(wall.now()) + 30 * 60'000);
  BOOST_TEST(send(bob, "/whoami").reply.text.find("on; session open")
             != std::string::npos);
  // Set up again while on: refused, nothing asked of the vault but status.
  vault.calls.clear();
  auto again = send(bob, "/setup-2fa");
  BOOST_TEST(again.audit.back().reason == "setup-2fa: already_enabled");
  BOOST_TEST(vault.calls == std::vector<std::string>{"status"});
}

BOOST_AUTO_TEST_CASE(setup_only_in_private_and_only_for_linked_users) {
  auto group = send(bob, "/setup-2fa", group_chat, "group");
  BOOST_TEST(group.reply.qr.empty());
  BOOST_TEST(group.audit.back().reason == "setup-2fa: not_private");
  auto stranger = send(alice, "/setup-2fa");
  BOOST_TEST(stranger.reply.qr.empty());
  BOOST_TEST(stranger.audit.back().reason == "setup-2fa: not_linked");
  BOOST_TEST(vault.calls.empty());
}

BOOST_AUTO_TEST_CASE(an_unreachable_vault_fails_closed) {
  vault.down = true;
  auto setup = send(bob, "/setup-2fa");
  BOOST_TEST(setup.reply.qr.empty());
  BOOST_TEST(setup.reply.text.find("2FA service unavailable")
             != std::string::npos);
  auto verify = send(bob, "/verify-2fa 123456");
  BOOST_TEST(verify.reply.text.find("2FA service unavailable")
             != std::string::npos);
  BOOST_TEST(!state(bob).enrolled_ms);
}

BOOST_AUTO_TEST_CASE(approvals_by_an_enrolled_user_need_a_session_and_the_vault) {
  // The admin turns 2FA on, then lets the session lapse.
  send(admin_user, "/setup-2fa");
  send(admin_user, "/verify-2fa 123456");
  send(admin_user, "/2fa-logout");
  auto data = pending_request();
  auto needs = press(admin_user, data, bob);
  BOOST_TEST(!needs.reply.run);
  BOOST_TEST(needs.audit.back().reason == "2fa_required");
  BOOST_TEST(needs.reply.text.find("/verify-2fa") != std::string::npos);
  // The approval was not used up by the refusal.
  send(admin_user, "/verify-2fa 123456");
  vault.down = true;
  auto down = press(admin_user, data, bob);
  BOOST_TEST(!down.reply.run);
  BOOST_TEST(down.reply.text.find("2FA service unavailable")
             != std::string::npos);
  vault.down = false;
  auto ok = press(admin_user, data, bob);
  BOOST_TEST(ok.reply.run);
  // The session lapses with time.
  auto data2 = pending_request();
  wall.advance(31min);
  BOOST_TEST(press(admin_user, data2, bob).audit.back().reason
             == "2fa_required");
  // Denying never needs the second factor.
  auto data3 = pending_request();
  BOOST_TEST(verdict_of(press(admin_user,
                              "deny:" + data3.substr(data3.find(':') + 1),
                              bob))
             == "denied");
}

BOOST_AUTO_TEST_CASE(users_without_2fa_approve_without_the_vault) {
  auto data = pending_request();
  vault.down = true;
  BOOST_TEST(press(admin_user, data, bob).reply.run);
  BOOST_TEST(vault.calls.empty());
}

BOOST_AUTO_TEST_CASE(disable_locked_codes_and_logout) {
  send(bob, "/setup-2fa");
  send(bob, "/verify-2fa 123456");
  auto locked = send(bob, "/verify-2fa 999999");
  BOOST_TEST(locked.reply.text.find("42 seconds") != std::string::npos);
  BOOST_TEST(verdict_of(send(bob, "/2fa-logout")) == "logout");
  BOOST_TEST(state(bob).session_expires_ms == 0);
  BOOST_TEST(send(bob, "/2fa-logout").audit.back().reason
             == "2fa-logout: none_open");
  BOOST_TEST(send(bob, "/disable-2fa 111111").audit.back().reason
             == "disable-2fa: wrong");
  BOOST_TEST(state(bob).enrolled_ms.has_value());
  BOOST_TEST(verdict_of(send(bob, "/disable-2fa 123456")) == "disabled");
  BOOST_TEST(!state(bob).enrolled_ms);
  BOOST_TEST(send(bob, "/whoami").reply.text.find("not set up")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(skip_only_where_allowed_and_never_instead_of_a_code) {
  BOOST_TEST(send(bob, "/skip-totp").audit.back().reason
             == "skip-totp: skip_not_allowed");
  opts.allow_skip_totp = true;
  restart();
  BOOST_TEST(verdict_of(send(bob, "/skip-totp")) == "skipped");
  BOOST_TEST(send(bob, "/whoami").reply.text.find("skipped until")
             != std::string::npos);
  send(bob, "/setup-2fa");
  send(bob, "/verify-2fa 123456");
  send(bob, "/2fa-logout");
  BOOST_TEST(send(bob, "/skip-totp").audit.back().reason
             == "skip-totp: enrolled");
  BOOST_TEST(state(bob).session_expires_ms == 0);
}

BOOST_AUTO_TEST_CASE(a_relay_without_a_vault_says_so) {
  factor = nullptr;
  restart();
  auto r = send(bob, "/setup-2fa");
  BOOST_TEST(r.reply.text.find("2FA service unavailable") != std::string::npos);
  BOOST_TEST(r.reply.qr.empty());
}

BOOST_AUTO_TEST_SUITE_END()
