#include "agent/invocation.hpp"

namespace telclaude::agent {

namespace {

void add_option(std::vector<std::string>& argv, const char* flag,
                const std::string& value) {
  if (value.empty())
    return;
  argv.emplace_back(flag);
  argv.push_back(value);
}

void add_list(std::vector<std::string>& argv, const char* flag,
              const std::vector<std::string>& values) {
  if (values.empty())
    return;
  argv.emplace_back(flag);
  argv.insert(argv.end(), values.begin(), values.end());
}

} // namespace

std::vector<std::string> build_claude_args(
  const std::vector<std::string>& command, const invocation& call) {
  std::vector<std::string> argv = command;
  for (const char* arg : {"-p", "--output-format", "stream-json", "--verbose"})
    argv.emplace_back(arg);
  if (call.partial_messages)
    argv.emplace_back("--include-partial-messages");
  add_option(argv, "--resume", call.resume_session_id);
  add_option(argv, "--model", call.model);
  add_option(argv, "--permission-mode", call.permission_mode);
  add_list(argv, "--tools", call.tools);
  add_list(argv, "--allowedTools", call.allowed_tools);
  add_list(argv, "--disallowedTools", call.disallowed_tools);
  argv.insert(argv.end(), call.extra_args.begin(), call.extra_args.end());
  argv.emplace_back("--");
  argv.push_back(call.prompt);
  return argv;
}

} // namespace telclaude::agent
