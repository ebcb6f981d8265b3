#define BOOST_TEST_MODULE real_cli_e2e
#include <boost/test/unit_test.hpp>

#include "testing/fake_messages_api.hpp"
#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

/// The relay driving the real `claude` CLI (under bwrap) against a
/// loopback fake of the Messages API.
struct real_cli_relay : relay_fixture {
  fake_messages_api anthropic;

  real_cli_relay() {
    auto claude = claude_binary();
    BOOST_TEST_REQUIRE(!claude.empty(), "claude is not installed");
    config["agent"]["command"] = claude;
    config["inbound"]["reply"]["timeoutSeconds"] = 120;
    // The agent has no network: the fake on the host's loopback is reached
    // through the egress proxy, which allows it as an allowHosts entry.
    auto fake = anthropic.base_url().substr(anthropic.base_url().find("://")
                                            + 3);
    config["sandbox"]["network"]["allowHosts"] = {fake.substr(0,
                                                              fake.find('/'))};
    extra_env = {"ANTHROPIC_API_KEY=dummy",
                 "ANTHROPIC_BASE_URL=" + anthropic.base_url(),
                 "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
                 "CLAUDE_CODE_MAX_RETRIES=0"};
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_message_in_a_reply_out_and_the_next_resumes,
                        real_cli_relay) {
  start();
  api.post_message(1, 1, "hello claude");
  auto msgs = replies(1, 1, 120s);
  BOOST_TEST(msgs[0].text == "Reply to turn 1: hello claude");
  api.post_message(1, 1, "still there?");
  msgs = replies(1, 2, 120s);
  // The fake saw the earlier turn again: the CLI resumed the session.
  BOOST_TEST(msgs[1].text == "Reply to turn 2: still there?");
  BOOST_TEST(anthropic.last_request().user_turns == 2u);
  api.post_command(1, 1, "/new");
  replies(1, 3, 30s);
  api.post_message(1, 1, "fresh start");
  BOOST_TEST(replies(1, 4, 120s)[3].text == "Reply to turn 1: fresh start");
}

BOOST_FIXTURE_TEST_CASE(an_api_failure_is_explained, real_cli_relay) {
  anthropic.push_error(500, "overloaded");
  start();
  api.post_message(2, 2, "will this work?");
  auto msgs = replies(2, 1, 120s);
  BOOST_TEST(msgs[0].text.find("The agent reported an error")
             != std::string::npos,
             msgs[0].text);
  api.post_message(2, 2, "and now?");
  BOOST_TEST(replies(2, 2, 120s)[1].text.find("and now?")
             != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(the_linked_tier_decides_whether_a_write_happens,
                        real_cli_relay) {
  // The fake model asks for a Write in each turn; READ_ONLY's agent has
  // no Write tool, WRITE_SAFE's writes the file.
  seeded_links = {{3, "READ_ONLY"}, {4, "WRITE_SAFE"}};
  auto write_turn = [&](const std::filesystem::path& file) {
    nlohmann::json input{{"file_path", file.string()}, {"content", "hi"}};
    anthropic.push_tool_use("Write", input.dump());
    anthropic.push_text("done");
  };
  auto ro_file = tmp.path() / "work" / "read_only.txt";
  auto ws_file = tmp.path() / "work" / "write_safe.txt";
  start();
  write_turn(ro_file);
  api.post_message(3, 3, "write read_only.txt");
  BOOST_TEST(replies(3, 1, 120s)[0].text == "done");
  BOOST_TEST(!std::filesystem::exists(ro_file));
  write_turn(ws_file);
  api.post_message(4, 4, "write write_safe.txt");
  BOOST_TEST(replies(4, 1, 120s)[0].text == "done");
  BOOST_TEST(std::filesystem::exists(ws_file));
  // An unlinked user's request never reaches the CLI at all (with no
  // admin yet, they are offered the claim instead).
  auto before = anthropic.request_count();
  api.post_message(5, 5, "write something");
  BOOST_TEST(replies(5, 1, 30s)[0].text.find("claim admin")
             != std::string::npos);
  BOOST_TEST(anthropic.request_count() == before);
}
