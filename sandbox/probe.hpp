#pragma once

#include <string>
#include <vector>

namespace telclaude::sandbox {

/// Whether the sandbox can run here, and if not, why and how to fix it.
struct probe_result {
  bool ok = false;
  std::string bwrap_path;  ///< Where bwrap was found ("" when not).
  std::string problem;     ///< What is wrong ("" when ok).
  std::string remedy;      ///< What to do about it ("" when ok).
};

/// Locates bwrap in the PATH of `env` (NAME=VALUE entries; the sandbox's
/// allowlisted environment) and runs a trivial command in a sandbox built
/// like the agent's (every namespace unshared, fresh /proc and /dev).
probe_result probe(const std::vector<std::string>& env);

/// Throws telclaude::user_error `sandbox.unavailable` (problem and remedy)
/// unless `result.ok`: the relay refuses to start without its sandbox.
void require_sandbox(const probe_result& result);

} // namespace telclaude::sandbox
