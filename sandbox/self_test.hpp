#pragma once

#include "sandbox/bwrap.hpp"

#include <string>
#include <vector>

namespace telclaude::sandbox {

/// What to check from inside a sandbox (netbridge::run_check).
struct self_test_plan {
  /// Host paths that must not exist inside (data dir files, config, ...).
  std::vector<std::string> hidden;
  /// host:port the proxy must refuse (metadata, private addresses).
  std::vector<std::string> refuse;
  /// host:port the proxy should open (an allowed domain); "no network"
  /// is reported, not failed.
  std::vector<std::string> reach;
};

struct self_test_result {
  bool ok = false;
  /// One line per check: "ok ...", "FAIL ...", "info ...".
  std::vector<std::string> lines;
  /// The first failure (or why the test could not run); "" when ok.
  std::string problem;
};

/// Runs the bridge's `--check` inside `p` (which must have a netbridge
/// and proxy socket) and collects its verdicts; at most 30 s.
self_test_result run_self_test(const policy& p, const self_test_plan& plan);

/// Throws telclaude::user_error `sandbox.self_test` unless `result.ok`.
void require_self_test(const self_test_result& result);

} // namespace telclaude::sandbox
