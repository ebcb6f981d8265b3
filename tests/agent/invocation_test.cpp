#define BOOST_TEST_MODULE invocation
#include <boost/test/unit_test.hpp>

#include "agent/invocation.hpp"

using namespace telclaude::agent;
using argv = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(minimal_turn) {
  invocation call;
  call.prompt = "hello";
  auto args = build_claude_args({"claude"}, call);
  BOOST_TEST(args == (argv{"claude", "-p", "--output-format", "stream-json",
                           "--verbose", "--", "hello"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_option) {
  invocation call;
  call.prompt = "-rf /";
  call.resume_session_id = "abc";
  call.model = "claude-haiku";
  call.partial_messages = true;
  call.allowed_tools = {"Read", "Grep"};
  call.disallowed_tools = {"Bash(rm:*)"};
  call.permission_mode = "acceptEdits";
  call.extra_args = {"--max-turns", "3"};
  auto args = build_claude_args({"/opt/claude", "--debug"}, call);
  BOOST_TEST(args
               == (argv{"/opt/claude", "--debug", "-p", "--output-format",
                        "stream-json", "--verbose",
                        "--include-partial-messages", "--resume", "abc",
                        "--model", "claude-haiku", "--permission-mode",
                        "acceptEdits", "--allowedTools", "Read", "Grep",
                        "--disallowedTools", "Bash(rm:*)", "--max-turns", "3",
                        "--", "-rf /"}),
             boost::test_tools::per_element());
}
