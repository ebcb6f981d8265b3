#define BOOST_TEST_MODULE scripted_agent
#include <boost/test/unit_test.hpp>

#include "tests/agent/sandboxed_turn.hpp"
#include "tests/agent/test_support.hpp"

#include <csignal>
#include <fstream>
#include <thread>

using namespace telclaude;
using namespace std::chrono_literals;
using testing::run_sandboxed_turn;
using testing::turn_output;

namespace {

/// The scripted agent under the agent's sandbox, as the relay runs it.
struct scripted_fixture {
  testing::temp_dir dir;
  std::filesystem::path workdir = dir.path() / "work";
  std::string program = testing::test_env("TELCLAUDE_BINARY_DIR")
                        + "/bin/telclaude-scripted-agent";
  sandbox::policy p = testing::test_policy(
    dir.path(), program,
    {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TELEGRAM_BOT_TOKEN=123:leak"},
    false);

  turn_output turn(const std::string& prompt, const std::string& resume = {},
                   bool partial = false) {
    return testing::run_prompt(p, program, prompt, resume, partial);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(scripted_agent, scripted_fixture)

BOOST_AUTO_TEST_CASE(echo_and_resume_count_turns) {
  auto first = turn("hello");
  BOOST_TEST(first.status.success(), first.stderr_tail);
  BOOST_TEST(first.text() == "Echo #1: hello");
  auto result = first.result();
  BOOST_REQUIRE(result);
  BOOST_TEST(!result->is_error);
  BOOST_TEST(result->session_id == first.session_id());
  BOOST_TEST(result->result == "Echo #1: hello");

  auto second = turn("again", first.session_id());
  BOOST_TEST(second.text() == "Echo #2: again");
  BOOST_TEST(second.session_id() == first.session_id());
  BOOST_TEST(second.result()->total_cost_usd > result->total_cost_usd);

  BOOST_TEST(turn("fresh").text() == "Echo #1: fresh");
}

BOOST_AUTO_TEST_CASE(unknown_resume_is_a_stale_session) {
  auto out = turn("hello", "00000000-0000-4000-8000-000000000000");
  BOOST_TEST(out.status.code == 1);
  BOOST_TEST(out.events.size() == 1u);
  auto result = out.result();
  BOOST_REQUIRE(result);
  BOOST_TEST(result->subtype == "error_during_execution");
  BOOST_TEST(agent::is_stale_session(*result));
  BOOST_TEST(out.stderr_tail.find("No conversation found")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_and_crash) {
  auto error = turn("[[error]]");
  BOOST_TEST(error.status.code == 1);
  BOOST_TEST(error.result()->is_error);
  BOOST_TEST(!agent::is_stale_session(*error.result()));
  BOOST_TEST(std::get<agent::text_event>(error.events.at(1)).synthetic);

  auto crash = turn("[[crash]]");
  BOOST_TEST(crash.status.code == 1);
  BOOST_TEST(!crash.result());
  BOOST_TEST(crash.stderr_tail.find("scripted crash") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(chunks_tools_long_and_deltas) {
  auto chunks = turn("[[chunks sk-ant-|api03-|secret]]");
  BOOST_TEST(chunks.count<agent::text_event>() == 3u);
  BOOST_TEST(chunks.text() == "sk-ant-api03-secret");

  auto tool = turn("[[tool Write notes.md]]");
  auto use = std::get<agent::tool_use_event>(tool.events.at(1));
  BOOST_TEST(use.name == "Write");
  BOOST_TEST(use.input_summary == "notes.md");
  auto used = std::get<agent::tool_result_event>(tool.events.at(2));
  BOOST_TEST(used.tool_use_id == use.id);

  auto text = turn("[[long 5000]]").text();
  BOOST_TEST(text.size() == 5000u);
  BOOST_TEST(text.find("\n\n") != std::string::npos);
  BOOST_TEST(text.find("```") != std::string::npos);

  auto deltas = turn("[[delta]] streamed reply", {}, true);
  BOOST_TEST(deltas.count<agent::text_delta_event>() > 1u);
  BOOST_TEST(turn("[[delta]] x").count<agent::text_delta_event>() == 0u);
}

BOOST_AUTO_TEST_CASE(sees_only_the_sandbox) {
  BOOST_TEST(turn("[[env TELEGRAM_BOT_TOKEN]]").text()
             == "TELEGRAM_BOT_TOKEN unset");
  BOOST_TEST(turn("[[env HOME]]").text() == "HOME=" + p.home);
  std::ofstream{dir.path() / "outside"} << "host file\n";
  auto read = turn("[[read " + (dir.path() / "outside").string() + "]]");
  BOOST_TEST(read.text().starts_with("error:"), read.text());
  std::ofstream{workdir / "inside"} << "work file\n";
  BOOST_TEST(turn("[[read inside]]").text() == "work file\n");
}

BOOST_AUTO_TEST_CASE(sigint_interrupts_and_sigterm_ends) {
  auto interrupt = [](agent::child_process& child) {
    std::this_thread::sleep_for(300ms);
    child.signal(SIGINT);
  };
  agent::invocation call;
  call.prompt = "[[sleep 20]]";
  auto start = std::chrono::steady_clock::now();
  auto out = run_sandboxed_turn(p, {program}, call, interrupt);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
  BOOST_TEST(out.status.success(), out.status.describe());
  BOOST_TEST(out.count<agent::interrupted_event>() == 1u);

  auto terminate = [](agent::child_process& child) {
    std::this_thread::sleep_for(300ms);
    child.signal(SIGTERM);
  };
  out = run_sandboxed_turn(p, {program}, call, terminate);
  BOOST_TEST(!out.result());
  BOOST_TEST(!out.status.success());
}

BOOST_AUTO_TEST_SUITE_END()
