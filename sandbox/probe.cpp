#include "sandbox/probe.hpp"

#include "core/error.hpp"
#include "sandbox/bwrap.hpp"

#include <csignal>

namespace telclaude::sandbox {

namespace {

constexpr auto probe_timeout = std::chrono::seconds{10};
constexpr const char* install_hint
  = "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
    "Fedora: `sudo dnf install bubblewrap`)";

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

} // namespace

probe_result probe(const std::vector<std::string>& env) {
  probe_result result;
  auto found = agent::find_executable("bwrap", agent::path_of(env));
  if (!found) {
    result.problem = "bwrap (bubblewrap) was not found on PATH ("
                     + agent::path_of(env) + ")";
    result.remedy = install_hint;
    return result;
  }
  result.bwrap_path = *found;
  policy trivial;
  trivial.read_only_paths = system_read_only_paths();
  trivial.env = env;
  auto options = sandboxed_spawn(trivial, {"true"});
  options.argv.front() = *found;
  try {
    agent::child_process child{std::move(options)};
    auto status = child.wait_for(probe_timeout);
    if (!status) {
      child.signal(SIGKILL);
      result.problem = "a trivial bwrap sandbox did not finish within 10 s";
    } else if (!status->success()) {
      auto why = last_line(child.stderr_tail());
      result.problem = "bwrap cannot create a sandbox here ("
                       + status->describe()
                       + (why.empty() ? "" : ": " + why) + ")";
    } else {
      result.ok = true;
      return result;
    }
  } catch (const user_error& e) {
    result.problem = e.what();
  }
  result.remedy = "allow unprivileged user namespaces "
                  "(`sysctl kernel.unprivileged_userns_clone=1`, or on "
                  "Ubuntu an AppArmor profile for bwrap), or run where "
                  "namespaces are permitted; check with `bwrap --ro-bind / / "
                  "true`";
  return result;
}

void require_sandbox(const probe_result& result) {
  if (result.ok)
    return;
  throw user_error("sandbox.unavailable",
                   "the agent sandbox is unavailable: " + result.problem
                     + "; " + result.remedy
                     + ". telclaude never runs the agent unsandboxed.");
}

} // namespace telclaude::sandbox
