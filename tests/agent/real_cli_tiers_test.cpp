#define BOOST_TEST_MODULE real_cli_tiers
#include <boost/test/unit_test.hpp>

#include "agent/tier_invocation.hpp"
#include "sandbox/environment.hpp"
#include "tests/agent/sandboxed_turn.hpp"
#include "tests/agent/test_support.hpp"
#include "testing/fake_messages_api.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <fstream>

// The permission tiers against the real claude CLI: the loopback Messages
// API asks for one tool call per turn and the test looks at what happened
// to the files and what the CLI told the model. See docs/permissions.md.

using namespace telclaude;
using testing::turn_output;
namespace fs = std::filesystem;

namespace {

using json = nlohmann::json;

/// The text of the last tool result the CLI sent back to the model.
std::string last_tool_result(const testing::fake_messages_api& api) {
  const auto requests = api.requests();
  for (auto r = requests.rbegin(); r != requests.rend(); ++r) {
    const auto body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || !body.contains("messages"))
      continue;
    std::string text;
    for (const auto& message : body["messages"]) {
      if (!message["content"].is_array())
        continue;
      for (const auto& block : message["content"]) {
        if (block.value("type", "") != "tool_result")
          continue;
        const auto& content = block["content"];
        text = content.is_string() ? content.get<std::string>()
                                   : content.dump();
      }
    }
    if (!text.empty())
      return text;
  }
  return {};
}

struct tier_fixture {
  testing::fake_messages_api api;
  testing::temp_dir dir;
  fs::path workdir = dir.path() / "work";
  std::string program;
  std::string fake = testing::host_port_of(api.base_url());
  std::unique_ptr<sandbox::egress_proxy> proxy
    = testing::test_proxy(dir.path(), {fake});

  tier_fixture() {
    auto binary = testing::claude_binary();
    BOOST_TEST_REQUIRE(!binary.empty(), "claude is not installed");
    program = sandbox::resolve_command(binary, "");
    fs::create_directories(workdir);
    std::ofstream{workdir / "notes.txt"} << "existing content\n";
  }

  /// One turn at tier `t`, as the relay runs it: the tier's flags on the
  /// argv, its extra_env in the sandbox (unless `with_extra_env` is off).
  turn_output turn(tier t, bool with_extra_env = true) {
    const auto flags = security::flags_for(t);
    // No network: the fake is reached through the egress proxy.
    auto p = testing::test_policy(
      dir.path(), program,
      {"PATH=/usr/bin:/bin", "ANTHROPIC_API_KEY=dummy",
       "ANTHROPIC_BASE_URL=" + api.base_url(),
       "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
       "CLAUDE_CODE_MAX_RETRIES=0"},
      *proxy, {fake});
    if (with_extra_env)
      sandbox::set_variables(p.env, flags.extra_env);
    agent::invocation call;
    call.prompt = "do it";
    agent::apply_tier_flags(call, flags);
    api.push_text("done");
    return testing::run_sandboxed_turn(p, {program}, call);
  }

  /// What the last turn did, for failure messages.
  std::string what(const turn_output& out) const {
    return out.status.describe() + "; tool result: " + last_tool_result(api)
           + "; stderr: " + out.stderr_tail;
  }

  /// One turn at tier `t` in which the model calls `tool` with `input`.
  turn_output run_tool(tier t, const std::string& tool, const json& input) {
    api.push_tool_use(tool, input.dump());
    return turn(t);
  }

  /// The call ran: the turn ended well and nothing was denied.
  void check_runs(tier t, const std::string& tool, const json& input) {
    auto out = run_tool(t, tool, input);
    const auto why = input.dump() + ": " + what(out);
    BOOST_TEST(out.status.success(), why);
    BOOST_TEST(out.count<agent::permission_denied_event>() == 0u, why);
  }

  /// The CLI's permission rules refused the call: the turn ended well, and
  /// an event and the result's list both say so.
  void check_denied(tier t, const std::string& tool, const json& input) {
    auto out = run_tool(t, tool, input);
    const auto why = input.dump() + ": " + what(out);
    BOOST_TEST(out.status.success(), why);
    BOOST_TEST(out.count<agent::permission_denied_event>() == 1u, why);
    const auto result = out.result();
    BOOST_TEST_REQUIRE(result.has_value(), why);
    BOOST_TEST(result->permission_denials.size() == 1u, why);
  }
};

json bash_input(const std::string& command) {
  return {{"command", command}, {"description", "test"}};
}

json write_input(const fs::path& file, const std::string& content) {
  return {{"file_path", file.string()}, {"content", content}};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(real_cli_tiers, tier_fixture)

BOOST_AUTO_TEST_CASE(read_only_has_only_the_read_tools) {
  auto out = run_tool(tier::read_only, "Read",
                  {{"file_path", (workdir / "notes.txt").string()}});
  BOOST_TEST(out.status.success(), what(out));
  BOOST_TEST(out.count<agent::permission_denied_event>() == 0u);
  const auto* init = std::get_if<agent::init_event>(&out.events.at(0));
  BOOST_TEST_REQUIRE(init != nullptr);
  BOOST_TEST(init->permission_mode == "dontAsk");
  auto tools = init->tools;
  std::sort(tools.begin(), tools.end());
  BOOST_TEST(tools
               == (std::vector<std::string>{"Glob", "Grep", "Read",
                                            "WebFetch", "WebSearch"}),
             boost::test_tools::per_element());
  BOOST_TEST(last_tool_result(api).find("existing content")
             != std::string::npos);
}

// Write, Bash and EnterWorktree do not exist at READ_ONLY (`--tools`), so
// the CLI answers "No such tool available" instead of a permission
// denial: a stronger refusal, and the file system is untouched.
BOOST_AUTO_TEST_CASE(read_only_cannot_write_run_or_branch) {
  const std::pair<std::string, json> calls[] = {
    {"Write", write_input(workdir / "new.txt", "hi")},
    {"Bash", bash_input("echo hi > f")},
    {"EnterWorktree", {{"name", "x"}}},
  };
  for (const auto& [tool, input] : calls) {
    auto out = run_tool(tier::read_only, tool, input);
    BOOST_TEST(out.status.success(), what(out));
    BOOST_TEST(last_tool_result(api).find("No such tool available: " + tool)
                 != std::string::npos,
               what(out));
  }
  BOOST_TEST(!fs::exists(workdir / "new.txt"));
  BOOST_TEST(!fs::exists(workdir / "f"));
  BOOST_TEST(!fs::exists(workdir / ".claude"));
}

BOOST_AUTO_TEST_CASE(write_safe_writes_and_runs_commands) {
  check_runs(tier::write_safe, "Write",
             write_input(workdir / "new.txt", "written by the agent"));
  BOOST_TEST(testing::slurp(workdir / "new.txt") == "written by the agent");
  check_runs(tier::write_safe, "Bash", bash_input("echo hi > f"));
  BOOST_TEST(testing::slurp(workdir / "f") == "hi\n");
}

BOOST_AUTO_TEST_CASE(write_safe_refuses_destructive_commands) {
  for (const char* command :
       {"rm notes.txt", "echo ok && mv notes.txt moved.txt",
        "curl http://127.0.0.1:1/x | sh",
        "curl -s http://127.0.0.1:1/x | sh -x", "cat notes.txt | bash",
        // The fork bomb's shape, harmless: a function named `:` and its call.
        ":(){ echo hi; };:"})
    check_denied(tier::write_safe, "Bash", bash_input(command));
  BOOST_TEST(testing::slurp(workdir / "notes.txt") == "existing content\n");
}

BOOST_AUTO_TEST_CASE(full_access_bypasses_every_rule) {
  check_runs(tier::full_access, "Write",
             write_input(workdir / "new.txt", "full access"));
  BOOST_TEST(testing::slurp(workdir / "new.txt") == "full access");
  check_runs(tier::full_access, "Bash", bash_input("rm notes.txt"));
  BOOST_TEST(!fs::exists(workdir / "notes.txt"));
}

BOOST_AUTO_TEST_CASE(full_access_as_root_needs_is_sandbox) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("not root: the CLI does not refuse bypassPermissions");
    return;
  }
  auto out = turn(tier::full_access, false);
  BOOST_TEST(out.status.code == 1);
  BOOST_TEST(out.stderr_tail.find("cannot be used with root")
               != std::string::npos,
             out.stderr_tail);
  BOOST_TEST(api.request_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
