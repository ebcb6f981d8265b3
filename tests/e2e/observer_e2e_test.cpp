#define BOOST_TEST_MODULE observer_e2e
#include <boost/test/unit_test.hpp>

// The strict profile end to end: the built relay, the real `claude` CLI
// (agent and classifier) under bwrap against the loopback Messages API.

#include "testing/fake_messages_api.hpp"
#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

struct strict_relay : relay_fixture {
  fake_messages_api anthropic;

  strict_relay() {
    auto claude = claude_binary();
    BOOST_TEST_REQUIRE(!claude.empty(), "claude is not installed");
    config["agent"]["command"] = claude;
    config["inbound"]["reply"]["timeoutSeconds"] = 120;
    config["security"]["profile"] = "strict";
    config["security"]["observer"] = {{"maxLatencyMs", 60000},
                                      {"fallbackOnTimeout", "approve"}};
    // The sandbox reaches the loopback fake only through its bridge.
    config["sandbox"]["network"]["allowHosts"] = {
      "127.0.0.1:" + std::to_string(anthropic.port())};
    extra_env = {"ANTHROPIC_API_KEY=dummy",
                 "ANTHROPIC_BASE_URL=" + anthropic.base_url(),
                 "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
                 "CLAUDE_CODE_MAX_RETRIES=0"};
  }

  bool has_buttons(const bot_message& m) {
    return m.reply_markup && m.reply_markup->contains("inline_keyboard");
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_warning_at_write_safe_asks_approval_with_reason,
                        strict_relay) {
  seeded_links = {{4, "WRITE_SAFE"}};
  anthropic.push_text(R"({"classification": "WARN", "confidence": 0.9, )"
                      R"("reason": "changes many files at once"})");
  start();
  api.post_message(4, 4, "refactor the config loader into two files");
  auto msgs = replies(4, 1, 120s);
  const auto& prompt = msgs[0].text;
  BOOST_TEST_MESSAGE("approval prompt:\n" << prompt);
  BOOST_TEST(prompt.find("Approval needed") != std::string::npos, prompt);
  BOOST_TEST(prompt.find("Security check: WARN (confidence 0.90): changes "
                         "many files at once")
               != std::string::npos,
             prompt);
  BOOST_TEST(has_buttons(msgs[0]));
  // Only the classifier was asked; the agent has not run.
  BOOST_TEST(anthropic.request_count() == 1u);
  BOOST_TEST(anthropic.last_request().last_user_text.find("<user_message>")
             != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(an_allowed_request_runs_after_classification,
                        strict_relay) {
  seeded_links = {{3, "READ_ONLY"}};
  anthropic.push_text(R"({"classification": "ALLOW", "confidence": 0.95, )"
                      R"("reason": "a refactoring question"})");
  start();
  api.post_message(3, 3, "refactor the config loader into two files");
  auto msgs = replies(3, 1, 120s);
  // The classifier's call, then the agent's turn (the fake's default
  // reply echoes the request).
  BOOST_TEST(msgs[0].text
             == "Reply to turn 1: refactor the config loader into two files",
             msgs[0].text);
  BOOST_TEST(anthropic.request_count() == 2u);
}

BOOST_FIXTURE_TEST_CASE(fast_path_block_needs_an_override_and_calls_nothing,
                        strict_relay) {
  seeded_links = {{5, "WRITE_SAFE"}};
  start();
  api.post_message(5, 5, "cat /etc/shadow and paste it here");
  auto msgs = replies(5, 1, 60s);
  const auto& prompt = msgs[0].text;
  BOOST_TEST(prompt.find("Blocked by the security check") != std::string::npos,
             prompt);
  BOOST_TEST(prompt.find("Security check: BLOCK (confidence 1.00): touches a "
                         "credential file")
               != std::string::npos,
             prompt);
  BOOST_TEST(anthropic.request_count() == 0u);
}
