#include "sandbox/self_test.hpp"

#include "agent/child_process.hpp"
#include "core/error.hpp"
#include "sandbox/netbridge.hpp"

#include <csignal>

namespace telclaude::sandbox {

self_test_result run_self_test(const policy& p, const self_test_plan& plan) {
  self_test_result result;
  if (p.netbridge.empty() || p.proxy_socket.empty()) {
    result.problem = "the sandbox has no network bridge or egress proxy";
    return result;
  }
  std::vector<std::string> argv{netbridge::inside_path, "--check"};
  for (const auto& h : plan.hidden)
    argv.insert(argv.end(), {"--hidden", h});
  for (const auto& r : plan.refuse)
    argv.insert(argv.end(), {"--refuse", r});
  for (const auto& r : plan.reach)
    argv.insert(argv.end(), {"--reach", r});
  try {
    agent::child_process child{sandboxed_spawn(p, argv)};
    while (auto line = child.read_line()) {
      result.lines.push_back(*line);
      if (line->starts_with("FAIL ") && result.problem.empty())
        result.problem = line->substr(5);
    }
    auto status = child.wait_for(std::chrono::seconds{30});
    if (!status) {
      child.signal(SIGKILL);
      child.wait();
      if (result.problem.empty())
        result.problem = "the self-test did not finish within 30 s";
    } else if (!status->success() && result.problem.empty()) {
      auto tail = child.stderr_tail();
      while (!tail.empty() && tail.back() == '\n')
        tail.pop_back();
      result.problem = "the self-test could not run in the sandbox ("
                     + status->describe()
                     + (tail.empty() ? "" : ": " + tail) + ")";
    }
    result.ok = status && status->success() && result.problem.empty();
  } catch (const std::exception& e) {
    result.problem = e.what();
  }
  return result;
}

void require_self_test(const self_test_result& result) {
  if (result.ok)
    return;
  throw user_error("sandbox.self_test",
                   "the agent sandbox failed its start-up self-test: "
                     + result.problem
                     + "; run `telclaude doctor --network` for every check. "
                       "telclaude never runs the agent in a sandbox that "
                       "does not hold.");
}

} // namespace telclaude::sandbox
