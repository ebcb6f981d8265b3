#define BOOST_TEST_MODULE gate
#include <boost/test/unit_test.hpp>

#include "security/gate.hpp"

namespace telclaude::security {
std::ostream& operator<<(std::ostream& os, redeem_result r) {
  return os << to_string(r);
}
} // namespace telclaude::security

using namespace telclaude::security;
using telclaude::tier;
using namespace std::chrono_literals;

namespace {

/// A linked READ_ONLY user in an allowed private chat, admin present,
/// limiter allowed: the plain "allow" case every row starts from.
gate_input base() {
  gate_input in;
  in.mode = profile::simple;
  in.chat = chat_type::private_chat;
  in.chat_allowed = true;
  in.admin = admin_state::exists;
  in.link = link_state::linked;
  in.user_tier = tier::read_only;
  in.rate = {rate_status::allowed, 0ms};
  return in;
}

control_parse cmd(const char* text) {
  return parse_control_command(text, "bot");
}

/// "allow READ_ONLY", "refuse not_linked", "pending full_access",
/// "claim", "control approve".
std::string show(const verdict& v) {
  if (const auto* a = std::get_if<allow>(&v))
    return "allow " + std::string(telclaude::to_string(a->level));
  if (const auto* r = std::get_if<refuse>(&v))
    return "refuse " + std::string(to_string(r->reason));
  if (const auto* p = std::get_if<pending_approval>(&v))
    return "pending " + std::string(to_string(p->why));
  if (std::holds_alternative<claim_admin_offer>(v))
    return "claim";
  return "control " +
         std::string(to_string(std::get<control>(v).command.kind));
}

} // namespace

BOOST_AUTO_TEST_CASE(decision_table) {
  struct row {
    const char* name;
    void (*edit)(gate_input&);
    const char* expected;
  };
  const row rows[] = {
    {"plain allow", [](gate_input&) {}, "allow READ_ONLY"},
    {"write safe", [](gate_input& i) { i.user_tier = tier::write_safe; },
     "allow WRITE_SAFE"},
    {"default input is refused", [](gate_input& i) { i = gate_input{}; },
     "refuse chat_not_allowed"},
    {"unknown chat", [](gate_input& i) { i.chat_allowed = false; },
     "refuse chat_not_allowed"},
    {"unknown chat, control",
     [](gate_input& i) { i.chat_allowed = false; i.control = cmd("/whoami"); },
     "refuse chat_not_allowed"},
    {"unknown chat, no admin",
     [](gate_input& i) { i.chat_allowed = false; i.admin = admin_state::none; },
     "refuse chat_not_allowed"},
    // Admin claim.
    {"no admin, private, unlinked",
     [](gate_input& i) {
       i.admin = admin_state::none;
       i.link = link_state::unlinked;
     },
     "claim"},
    {"no admin, group, unlinked",
     [](gate_input& i) {
       i.admin = admin_state::none;
       i.link = link_state::unlinked;
       i.chat = chat_type::group;
     },
     "refuse group_claim"},
    {"no admin, supergroup /approve",
     [](gate_input& i) {
       i.admin = admin_state::none;
       i.link = link_state::unlinked;
       i.chat = chat_type::supergroup;
       i.control = cmd("/approve ABCDEFGH");
     },
     "refuse group_claim"},
    {"no admin, private /approve",
     [](gate_input& i) {
       i.admin = admin_state::none;
       i.link = link_state::unlinked;
       i.control = cmd("/approve ABCDEFGH");
     },
     "control approve"},
    {"no admin, private, linked by the CLI",
     [](gate_input& i) { i.admin = admin_state::none; }, "allow READ_ONLY"},
    {"admin exists, /approve (a second claim is the handler's refusal)",
     [](gate_input& i) {
       i.link = link_state::unlinked;
       i.control = cmd("/approve ABCDEFGH");
     },
     "control approve"},
    // Linking.
    {"unlinked, admin exists",
     [](gate_input& i) { i.link = link_state::unlinked; },
     "refuse not_linked"},
    {"unlinked /link",
     [](gate_input& i) {
       i.link = link_state::unlinked;
       i.control = cmd("/link 23456789AB");
     },
     "control link"},
    {"unlinked /whoami in a group",
     [](gate_input& i) {
       i.link = link_state::unlinked;
       i.chat = chat_type::group;
       i.control = cmd("/whoami");
     },
     "control whoami"},
    {"malformed control", [](gate_input& i) { i.control = cmd("/link 12"); },
     "refuse control_malformed"},
    {"other bot", [](gate_input& i) { i.control = cmd("/whoami@x"); },
     "refuse other_bot"},
    // Storage errors anywhere.
    {"admin unknown", [](gate_input& i) { i.admin = admin_state::unknown; },
     "refuse storage_error"},
    {"link unknown", [](gate_input& i) { i.link = link_state::unknown; },
     "refuse storage_error"},
    {"link unknown, control",
     [](gate_input& i) {
       i.link = link_state::unknown;
       i.control = cmd("/unlink");
     },
     "refuse storage_error"},
    {"limiter storage error",
     [](gate_input& i) { i.rate = {rate_status::storage_error, 0ms}; },
     "refuse storage_error"},
    {"limiter not asked",
     [](gate_input& i) { i.rate = {rate_status::not_checked, 0ms}; },
     "refuse rate_unchecked"},
    {"limited", [](gate_input& i) { i.rate = {rate_status::limited, 30s}; },
     "refuse rate_limited"},
    {"limited user may still /deny",
     [](gate_input& i) {
       i.rate = {rate_status::limited, 30s};
       i.control = cmd("/deny ABCDEFGH");
     },
     "control deny"},
    // Approvals.
    {"full access", [](gate_input& i) { i.user_tier = tier::full_access; },
     "pending full_access"},
    {"full access, strict, observer allows",
     [](gate_input& i) {
       i.user_tier = tier::full_access;
       i.mode = profile::strict;
       i.observer = {observer_state::allow, 1.0};
     },
     "pending full_access"},
    {"strict, observer allows",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.observer = {observer_state::allow, 0.9};
     },
     "allow READ_ONLY"},
    {"strict, no observer",
     [](gate_input& i) { i.mode = profile::strict; },
     "pending observer_not_run"},
    {"strict, observer error",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.observer = {observer_state::error, 0};
     },
     "refuse observer_error"},
    {"strict, block",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.observer = {observer_state::block, 0.9};
     },
     "pending observer_block"},
    {"strict, warn at write safe",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.user_tier = tier::write_safe;
       i.observer = {observer_state::warn, 0.9};
     },
     "pending observer_warn"},
    {"strict, warn at read only",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.observer = {observer_state::warn, 0.9};
     },
     "allow READ_ONLY"},
    {"strict, low-confidence warn",
     [](gate_input& i) {
       i.mode = profile::strict;
       i.observer = {observer_state::warn, 0.4};
     },
     "pending low_confidence"},
    {"simple ignores the observer",
     [](gate_input& i) { i.observer = {observer_state::block, 1.0}; },
     "allow READ_ONLY"},
    // Test profile.
    {"test, enabled",
     [](gate_input& i) {
       i = gate_input{};
       i.chat_allowed = true;
       i.mode = profile::test;
       i.test_profile_enabled = true;
       i.test_tier = tier::write_safe;
     },
     "allow WRITE_SAFE"},
    {"test, not enabled",
     [](gate_input& i) { i.mode = profile::test; },
     "refuse test_profile_disabled"},
    {"test, control still handled",
     [](gate_input& i) {
       i.mode = profile::test;
       i.test_profile_enabled = true;
       i.control = cmd("/whoami");
     },
     "control whoami"},
    {"test, unknown chat",
     [](gate_input& i) {
       i.mode = profile::test;
       i.test_profile_enabled = true;
       i.chat_allowed = false;
     },
     "refuse chat_not_allowed"},
  };
  for (const auto& r : rows) {
    auto in = base();
    r.edit(in);
    BOOST_TEST(show(decide(in)) == r.expected, r.name);
  }
}

BOOST_AUTO_TEST_CASE(verdicts_carry_flags_and_messages) {
  auto in = base();
  in.user_tier = tier::write_safe;
  const auto a = std::get<allow>(decide(in));
  BOOST_TEST((a.flags == flags_for(tier::write_safe)));

  in.user_tier = tier::full_access;
  const auto p = std::get<pending_approval>(decide(in));
  BOOST_TEST(p.flags.permission_mode == "bypassPermissions");

  in = base();
  in.rate = {rate_status::limited, 90s};
  BOOST_TEST(std::get<refuse>(decide(in)).user_message ==
             "Too many requests. Try again in 2 minutes.");

  in = base();
  in.link = link_state::unlinked;
  BOOST_TEST(std::get<refuse>(decide(in)).user_message.find(
               "Ask the admin for a link code") != std::string::npos);

  in = base();
  in.control = cmd("/approve");
  BOOST_TEST(std::get<refuse>(decide(in)).user_message ==
             "Usage: /approve <code>");
  BOOST_TEST(std::get<refuse>(decide(in)).user_message.size() > 0u);
  in.control = cmd("/whoami@x");
  BOOST_TEST(std::get<refuse>(decide(in)).user_message.empty());
  BOOST_TEST(claim_offer_text("ABCDEFGH") ==
             "Reply /approve ABCDEFGH to claim admin (valid 5 minutes).");
  BOOST_TEST(claim_success_text().find("2FA") == std::string::npos);
  BOOST_TEST(claim_success_text().find("two-factor") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rate_limit_applies_only_to_agent_requests) {
  auto in = base();
  BOOST_TEST(rate_limit_applies(in));
  in.control = cmd("/whoami");
  BOOST_TEST(!rate_limit_applies(in));
  in = base();
  in.chat_allowed = false;
  BOOST_TEST(!rate_limit_applies(in));
  in = base();
  in.mode = profile::test;
  BOOST_TEST(!rate_limit_applies(in));
}

BOOST_AUTO_TEST_CASE(every_failed_redeem_has_words) {
  for (auto r : {redeem_result::not_found, redeem_result::expired,
                 redeem_result::consumed, redeem_result::foreign}) {
    BOOST_TEST(!redeem_message(r).empty());
    BOOST_TEST(to_string(r) != "ok");
  }
}
