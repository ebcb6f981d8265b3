#define BOOST_TEST_MODULE tier_invocation
#include <boost/test/unit_test.hpp>

#include "agent/tier_invocation.hpp"

using namespace telclaude;
using argv = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(every_tier_copies_its_flags) {
  for (auto t : all_tiers) {
    const auto flags = security::flags_for(t);
    agent::invocation call;
    agent::apply_tier_flags(call, flags);
    BOOST_TEST(call.tools == flags.tools, to_string(t));
    BOOST_TEST(call.allowed_tools == flags.allowed_tools, to_string(t));
    BOOST_TEST(call.disallowed_tools == flags.disallowed_tools, to_string(t));
    BOOST_TEST(call.permission_mode == flags.permission_mode, to_string(t));
  }
}

BOOST_AUTO_TEST_CASE(replaces_earlier_rules_and_keeps_the_rest) {
  agent::invocation call;
  call.prompt = "hello";
  call.resume_session_id = "abc";
  call.model = "m";
  call.partial_messages = true;
  call.tools = {"Read"};
  call.allowed_tools = {"Bash"};
  call.disallowed_tools = {"Read"};
  call.permission_mode = "acceptEdits";
  call.extra_args = {"--max-turns", "3"};
  agent::apply_tier_flags(call, security::flags_for(tier::full_access));
  BOOST_TEST(call.tools.empty());
  BOOST_TEST(call.allowed_tools.empty());
  BOOST_TEST(call.disallowed_tools.empty());
  BOOST_TEST(call.permission_mode == "bypassPermissions");
  BOOST_TEST(call.prompt == "hello");
  BOOST_TEST(call.resume_session_id == "abc");
  BOOST_TEST(call.model == "m");
  BOOST_TEST(call.partial_messages);
  BOOST_TEST(call.extra_args == (argv{"--max-turns", "3"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(read_only_argv) {
  agent::invocation call;
  call.prompt = "hi";
  agent::apply_tier_flags(call, security::flags_for(tier::read_only));
  BOOST_TEST(agent::build_claude_args({"claude"}, call)
               == (argv{"claude", "-p", "--output-format", "stream-json",
                        "--verbose", "--permission-mode", "dontAsk",
                        "--tools", "Read", "Glob", "Grep", "WebFetch",
                        "WebSearch", "--allowedTools", "Read", "Glob",
                        "Grep", "WebFetch", "WebSearch", "--disallowedTools",
                        "Write", "Edit", "NotebookEdit", "Bash", "--",
                        "hi"}),
             boost::test_tools::per_element());
}
