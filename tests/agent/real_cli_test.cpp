#define BOOST_TEST_MODULE real_cli
#include <boost/test/unit_test.hpp>

#include "sandbox/environment.hpp"
#include "tests/agent/sandboxed_turn.hpp"
#include "tests/agent/test_support.hpp"
#include "testing/fake_messages_api.hpp"

#include <mutex>

using namespace telclaude;
using testing::run_sandboxed_turn;
using testing::turn_output;

namespace {

/// The real claude under the agent's sandbox, against a loopback fake of
/// the Messages API.
struct real_cli_fixture {
  testing::fake_messages_api api;
  testing::temp_dir dir;
  std::filesystem::path workdir = dir.path() / "work";
  std::string program;
  std::unique_ptr<sandbox::egress_proxy> proxy;
  sandbox::policy p;

  real_cli_fixture() {
    auto binary = testing::claude_binary();
    BOOST_TEST_REQUIRE(!binary.empty(), "claude is not installed");
    program = sandbox::resolve_command(binary, "");
    // No network: the fake on the host's loopback is reached through the
    // egress proxy, which allows only it (allowHosts).
    auto fake = testing::host_port_of(api.base_url());
    proxy = testing::test_proxy(dir.path(), {fake});
    p = testing::test_policy(
      dir.path(), program,
      {"PATH=/usr/bin:/bin", "ANTHROPIC_API_KEY=dummy",
       "ANTHROPIC_BASE_URL=" + api.base_url(),
       "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
       "CLAUDE_CODE_MAX_RETRIES=0", "TELEGRAM_BOT_TOKEN=123:leak"},
      *proxy, {fake});
  }

  turn_output turn(const std::string& prompt, const std::string& resume = {}) {
    return testing::run_prompt(p, program, prompt, resume);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(real_cli, real_cli_fixture)

BOOST_AUTO_TEST_CASE(reply_then_resume_the_same_session) {
  auto first = turn("Say hello");
  BOOST_TEST(first.status.success(),
             first.status.describe() << ": " << first.stderr_tail);
  BOOST_TEST(first.text() == "Reply to turn 1: Say hello");
  auto result = first.result();
  BOOST_REQUIRE(result);
  BOOST_TEST(!result->is_error);
  BOOST_TEST(result->session_id == first.session_id());
  BOOST_TEST(api.last_request().user_turns == 1u);

  auto second = turn("And again", first.session_id());
  BOOST_TEST(second.status.success(), second.stderr_tail);
  BOOST_TEST(second.session_id() == first.session_id());
  BOOST_TEST(api.last_request().user_turns == 2u);
  BOOST_TEST(second.text() == "Reply to turn 2: And again");
  // The transcript lives in the private home, not the host's.
  BOOST_TEST(std::filesystem::exists(p.home + "/.claude/projects"));
}

BOOST_AUTO_TEST_CASE(stale_resume_id) {
  auto out = turn("hello", "00000000-0000-4000-8000-000000000000");
  BOOST_TEST(out.status.code == 1);
  auto result = out.result();
  BOOST_REQUIRE(result);
  BOOST_TEST(agent::is_stale_session(*result));
  BOOST_TEST(api.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(api_error_is_reported) {
  api.push_error(500);
  auto out = turn("hello");
  BOOST_TEST(out.status.code == 1);
  auto result = out.result();
  BOOST_REQUIRE(result);
  BOOST_TEST(result->is_error);
  BOOST_TEST(!agent::is_stale_session(*result));
  BOOST_TEST(result->api_error_status.value_or(0) == 500);
}

BOOST_AUTO_TEST_CASE(write_is_denied_without_permission) {
  api.push_tool_use("Write", R"({"file_path":")" + (workdir / "x.txt").string()
                               + R"(","content":"hi"})");
  api.push_text("done");
  auto out = turn("write a file");
  BOOST_TEST(out.status.success(), out.stderr_tail);
  BOOST_TEST(out.count<agent::permission_denied_event>() == 1u);
  BOOST_TEST(!std::filesystem::exists(workdir / "x.txt"));
  BOOST_TEST(out.result()->permission_denials.size() == 1u);
}


// The real CLI honours the HTTPS_PROXY the bridge sets: a request for
// api.anthropic.com arrives at the relay's egress proxy as a CONNECT
// (here without a network, so the proxy cannot resolve it and says so).
BOOST_AUTO_TEST_CASE(the_cli_goes_out_through_the_egress_proxy) {
  testing::temp_dir other;
  std::mutex mutex;
  std::vector<sandbox::egress_event> events;
  sandbox::egress_proxy_options o;
  o.socket_path = (other.path() / "egress.sock").string();
  o.allowed_domains = {"api.anthropic.com"};
  o.resolve = [](const std::string&, std::string& error) {
    error = "no network in this test";
    return std::vector<sandbox::ip_address>{};
  };
  o.on_event = [&](const sandbox::egress_event& e) {
    std::lock_guard lock{mutex};
    events.push_back(e);
  };
  sandbox::egress_proxy real_proxy{o};
  auto q = testing::test_policy(
    other.path(), program,
    {"PATH=/usr/bin:/bin", "ANTHROPIC_API_KEY=dummy",
     "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
     "CLAUDE_CODE_MAX_RETRIES=0"},
    real_proxy, {});
  auto out = testing::run_prompt(q, program, "hello");
  BOOST_TEST(!out.status.success());
  std::lock_guard lock{mutex};
  BOOST_TEST_REQUIRE(!events.empty(), out.stderr_tail);
  BOOST_TEST(events.front().target == "api.anthropic.com:443");
  BOOST_TEST(!events.front().allowed);
  BOOST_TEST(api.request_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
