#define BOOST_TEST_MODULE observer_gate
#include "tests/access/access_fixture.hpp"

// The observer's answer as the gatekeeper's logic uses it (strict
// profile), over a real SQLite file.

using namespace telclaude;
using namespace telclaude::access;
using namespace telclaude::access::test;

namespace {

struct strict_fixture : fixture {
  strict_fixture() {
    opts.mode = security::profile::strict;
    opts.limits.per_user = {100, 1000};
    restart();
    claim_admin();
    link(alice);  // WRITE_SAFE
    link(bob);    // READ_ONLY
  }

  chat_message message(std::int64_t user, std::string text) {
    chat_message m;
    m.update_id = ++update;
    m.chat_id = user;
    m.chat_type = "private";
    m.user_id = user;
    m.message_id = update * 10;
    m.text = std::move(text);
    m.has_text = true;
    return m;
  }

  access_outcome classified(std::int64_t user, std::string text,
                            observer_verdict v) {
    return gate->handle(message(user, std::move(text)), &v);
  }

  static observer_verdict model(std::string c, double confidence,
                                std::string reason = "because") {
    observer_verdict v;
    v.classification = std::move(c);
    v.confidence = confidence;
    v.reason = std::move(reason);
    v.source = "model";
    v.elapsed_ms = 850;
    return v;
  }

  static observer_verdict fallback(std::string policy) {
    observer_verdict v;
    v.source = "fallback";
    v.fallback = std::move(policy);
    v.error = "timed out after 2000 ms";
    return v;
  }

  const audit_event* observer_event(const access_outcome& o) {
    for (const auto& e : o.audit)
      if (e.event == "observer")
        return &e;
    return nullptr;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(which_requests_are_classified, strict_fixture) {
  BOOST_TEST(gate->needs_observer(message(alice, "refactor the parser")));
  BOOST_TEST(gate->needs_observer(message(bob, "what is this?")));
  BOOST_TEST(gate->needs_observer(message(admin_user, "deploy it")));
  BOOST_TEST(!gate->needs_observer(message(alice, "/whoami")));
  BOOST_TEST(!gate->needs_observer(message(alice, "/new")));
  BOOST_TEST(!gate->needs_observer(message(4242, "hello")));  // no chat
  auto press = message(alice, "");
  press.callback_id = "cb";
  press.callback_data = "approve:ABCDEFGH";
  BOOST_TEST(!gate->needs_observer(press));
  auto unlinked = message(3, "hello");
  unlinked.user_id = 3;
  BOOST_TEST(!gate->needs_observer(unlinked));
  // The simple profile never asks the observer.
  opts.mode = security::profile::simple;
  restart();
  BOOST_TEST(!gate->needs_observer(message(alice, "refactor the parser")));
}

BOOST_FIXTURE_TEST_CASE(allow_runs_and_every_classification_is_audited,
                        strict_fixture) {
  auto r = classified(alice, "refactor the parser hunter2",
                      model("ALLOW", 0.9, "ordinary work"));
  BOOST_TEST(r.reply.run);
  BOOST_TEST(verdict_of(r) == "allowed");
  const auto* e = observer_event(r);
  BOOST_REQUIRE(e);
  BOOST_TEST(e->verdict == "ALLOW");
  BOOST_TEST(e->reason == "model: ordinary work");
  BOOST_TEST(e->duration_ms == 850);
  BOOST_TEST(e->tier == "WRITE_SAFE");
  BOOST_TEST(e->excerpt.find("hunter2") == std::string::npos);  // redacted
}

BOOST_FIXTURE_TEST_CASE(warn_at_write_safe_waits_with_the_reason_shown,
                        strict_fixture) {
  auto r = classified(alice, "install numpy",
                      model("WARN", 0.9, "installs packages"));
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(verdict_of(r) == "pending");
  BOOST_TEST(r.audit.back().reason == "observer_warn");
  BOOST_TEST(r.reply.text.find("Security check: WARN (confidence 0.90): "
                               "installs packages")
               != std::string::npos,
             r.reply.text);
  BOOST_TEST(r.reply.buttons.size() == 2u);
  // READ_ONLY with a confident WARN runs; a WARN below 0.5 waits.
  BOOST_TEST(classified(bob, "read x", model("WARN", 0.9)).reply.run);
  auto low = classified(bob, "read x", model("WARN", 0.4));
  BOOST_TEST(!low.reply.run);
  BOOST_TEST(low.audit.back().reason == "low_confidence");
}

BOOST_FIXTURE_TEST_CASE(block_waits_for_an_override_and_says_so,
                        strict_fixture) {
  auto r = classified(bob, "cat /etc/shadow", model("BLOCK", 1.0, "creds"));
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "observer_block");
  BOOST_TEST(r.reply.text.find("Blocked by the security check")
               != std::string::npos,
             r.reply.text);
  BOOST_TEST(r.reply.text.find("BLOCK (confidence 1.00): creds")
               != std::string::npos);
  auto data = r.reply.buttons.at(0).callback_data;
  // The requester cannot override the security check themselves.
  auto own = press(bob, data, bob);
  BOOST_TEST(!own.reply.run);
  BOOST_TEST(own.reply.text.find("only the admin") != std::string::npos,
             own.reply.text);
  BOOST_TEST(own.audit.back().reason == "admin_only");
  // The admin overrides: it runs.
  auto ok = press(admin_user, data, admin_user);
  BOOST_TEST(ok.reply.run);
  BOOST_TEST(ok.reply.message.text == "cat /etc/shadow");
}

BOOST_FIXTURE_TEST_CASE(the_requester_may_still_deny_a_blocked_request,
                        strict_fixture) {
  auto r = classified(bob, "cat /etc/shadow", model("BLOCK", 1.0, "creds"));
  BOOST_REQUIRE_EQUAL(r.reply.buttons.size(), 2u);
  auto no = press(bob, r.reply.buttons.at(1).callback_data, bob);
  BOOST_TEST(!no.reply.run);
  BOOST_TEST(no.reply.text.find("Denied") != std::string::npos, no.reply.text);
}

BOOST_FIXTURE_TEST_CASE(full_access_always_waits_and_shows_the_verdict,
                        strict_fixture) {
  auto r = classified(admin_user, "what is this?", model("ALLOW", 1.0, "q"));
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "full_access");
  BOOST_TEST(r.reply.text.find("Security check: ALLOW") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(the_fallback_policies, strict_fixture) {
  auto blocked = classified(alice, "x", fallback("block"));
  BOOST_TEST(!blocked.reply.run);
  BOOST_TEST(verdict_of(blocked) == "refused");
  BOOST_TEST(blocked.audit.back().reason == "observer_error");
  BOOST_TEST(blocked.reply.text.find("security check could not run")
             != std::string::npos);
  const auto* e = observer_event(blocked);
  BOOST_REQUIRE(e);
  BOOST_TEST(e->verdict == "fallback_block");
  BOOST_TEST(e->reason == "fallback: timed out after 2000 ms");

  BOOST_TEST(classified(alice, "x", fallback("allow")).reply.run);

  auto held = classified(alice, "x", fallback("approve"));
  BOOST_TEST(!held.reply.run);
  BOOST_TEST(held.audit.back().reason == "observer_not_run");
  BOOST_TEST(held.reply.text.find("Security check: not run (timed out "
                                  "after 2000 ms); fallback approve.")
               != std::string::npos,
             held.reply.text);
}

BOOST_FIXTURE_TEST_CASE(no_answer_at_all_holds_the_request, strict_fixture) {
  auto r = send(alice, "refactor the parser");
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.audit.back().reason == "observer_not_run");
}

BOOST_FIXTURE_TEST_CASE(a_flood_over_the_limit_costs_no_model_call,
                        strict_fixture) {
  opts.limits.per_user = {2, 100};
  restart();
  // Two requests are classified and run; the limit is then reached.
  for (int i = 0; i < 2; ++i) {
    BOOST_TEST(gate->needs_observer(message(alice, "refactor it")));
    BOOST_TEST(classified(alice, "refactor it", model("ALLOW", 0.9))
                 .reply.run);
  }
  // The third is not sent to the model, and the gate refuses it for the
  // limit, not for a missing classification.
  auto third = message(alice, "refactor it");
  BOOST_TEST(!gate->needs_observer(third));
  auto r = gate->handle(third);
  BOOST_TEST(!r.reply.run);
  BOOST_TEST(r.reply.buttons.empty());
  BOOST_TEST(verdict_of(r) == "refused");
  // Another user is still classified.
  BOOST_TEST(gate->needs_observer(message(bob, "what is this?")));
}
