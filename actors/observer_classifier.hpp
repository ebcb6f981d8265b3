#pragma once

// One call of the classifier model: plain blocking code (no CAF), run by
// the classifier_worker actor on its own thread.

#include "sandbox/bwrap.hpp"
#include "security/observer_classification.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude {

/// How the observer runs its model.
struct classifier_spec {
  /// The agent command (its real path), e.g. {"/usr/bin/claude"}.
  std::vector<std::string> command;
  /// The sandbox, from sandbox::agent_policy like the agent's own, but
  /// with no workdir mounted.
  sandbox::policy policy;
  /// `security.observer.model`.
  std::string model;
  /// `security.observer.maxLatencyMs`: the model is killed after this.
  std::chrono::milliseconds max_latency{20000};
};

/// The classifier's spec from the agent's own base policy (so it gets
/// whatever the agent's sandbox gets: namespaces, egress proxy, hidden
/// paths, environment allowlist), minus what a classifier must not have:
/// no workdir, a fresh /tmp, and its own private home `home_dir`
/// (created, mode 0700), never the agent's, whose settings or hooks the
/// agent could have planted.
classifier_spec classifier_spec_from(const sandbox::policy& agent_base,
                                     std::vector<std::string> command,
                                     const std::string& home_dir,
                                     std::string model,
                                     std::chrono::milliseconds max_latency);

struct classifier_outcome;

/// Stops running classifier calls early (the relay shuts down): each call
/// sharing it kills its model at once and fails with "cancelled".
class classifier_cancel {
public:
  /// Cancels every call running or started later.
  void cancel();

private:
  friend classifier_outcome run_classifier(
    const classifier_spec&, std::string_view,
    const std::shared_ptr<classifier_cancel>&);
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
};

/// What one call gave.
struct classifier_outcome {
  /// The parsed answer (before dangerThreshold), or nullopt: a failure.
  std::optional<security::classifier_answer> answer;
  /// Why it failed ("timed out after 2000 ms", "malformed answer: ...").
  std::string error;
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
};

/// The argv of one classifier call: the agent command in print mode with
/// `--model`, no tools (`--tools ""`), no session persistence, no slash
/// commands or MCP servers, the security-gate system prompt, and the
/// user's text delimited as data (security::classifier_request).
std::vector<std::string> classifier_args(const classifier_spec& spec,
                                         std::string_view text);

/// Runs the model on `text` under the sandbox and parses its answer
/// strictly; kills it (SIGKILL to its process group) after max_latency,
/// or as soon as `cancel` (if any) is cancelled. Never throws: a failure
/// to start is a failure like any other.
classifier_outcome run_classifier(
  const classifier_spec& spec, std::string_view text,
  const std::shared_ptr<classifier_cancel>& cancel = nullptr);

} // namespace telclaude
