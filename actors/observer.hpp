#pragma once

#include "actors/observer_classifier.hpp"
#include "config/settings.hpp"
#include "messages/actors.hpp"
#include "security/circuit_breaker.hpp"
#include "security/fast_path.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace telclaude {

/// "block", "allow", "approve": what the observer answers when the model
/// gives no classification (`security.observer.fallbackOnTimeout`).
std::string_view to_string(config::observer_fallback p) noexcept;

/// The observer's configuration, from `security.observer`.
struct observer_options {
  double danger_threshold = 0.7;
  config::observer_fallback fallback = config::observer_fallback::block;
  int failure_threshold = 5;
  std::chrono::milliseconds reset{30000};
};

struct observer_state {
  static inline const char* name = "observer";
  std::shared_ptr<const security::fast_path> fast;
  std::shared_ptr<const classifier_spec> spec;
  observer_options opts;
  std::unique_ptr<security::circuit_breaker> breaker;
  audit_actor audit;
  /// Cancels the running model calls when the observer ends.
  std::shared_ptr<classifier_cancel> cancel
    = std::make_shared<classifier_cancel>();
  std::uint64_t fast_path = 0;
};

/// The security observer (strict profile): the fast path decides the
/// obvious cases at once; otherwise, if the circuit breaker admits it, a
/// detached classifier_worker runs the model and its answer is adjusted
/// by dangerThreshold. A failure (timeout, malformed answer, agent error)
/// counts against the breaker; while it is open, and for requests that
/// arrive while its one half-open probe runs, the fallback answers at
/// once with no call. Transitions are logged and audited; the counters
/// answer `obs_stats`. Runs on the scheduler and never blocks.
observer_actor::behavior_type
observer(observer_actor::stateful_pointer<observer_state> self,
         std::shared_ptr<const classifier_spec> spec, observer_options opts,
         audit_actor audit);

/// One model call for the observer (spawn detached, one per call; it
/// quits after answering).
classifier_worker_actor::behavior_type
classifier_worker(classifier_worker_actor::pointer self,
                  std::shared_ptr<const classifier_spec> spec,
                  std::shared_ptr<classifier_cancel> cancel);

} // namespace telclaude
