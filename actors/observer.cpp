#include "actors/observer.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = observer_actor::stateful_pointer<observer_state>;

observer_verdict fallback_verdict(const observer_options& opts,
                                  std::string error) {
  observer_verdict v;
  v.source = "fallback";
  v.fallback = std::string{to_string(opts.fallback)};
  v.error = std::move(error);
  return v;
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Logs, audits and (through the breaker) counts a transition.
void report(self_ptr self, const security::breaker_transition& t,
            const std::string& why) {
  auto& s = self->state;
  auto from = std::string{security::to_string(t.from)};
  auto to = std::string{security::to_string(t.to)};
  if (t.to == security::breaker_state::open)
    spdlog::warn("observer: circuit breaker {} -> {} ({}); fallback '{}' "
                 "answers for {} ms",
                 from, to, why, to_string(s.opts.fallback),
                 s.opts.reset.count());
  else
    spdlog::info("observer: circuit breaker {} -> {} ({})", from, to, why);
  if (!s.audit)
    return;
  audit_event e;
  e.time_ms = now_ms();
  e.event = "observer";
  e.verdict = "breaker_" + to;
  e.reason = from + " -> " + to + ": " + why;
  self->send(s.audit, std::move(e));
}

} // namespace

std::string_view to_string(config::observer_fallback p) noexcept {
  switch (p) {
  case config::observer_fallback::block:
    return "block";
  case config::observer_fallback::allow:
    return "allow";
  case config::observer_fallback::approve:
    return "approve";
  }
  return "block";
}

classifier_worker_actor::behavior_type
classifier_worker(classifier_worker_actor::pointer self,
                  std::shared_ptr<const classifier_spec> spec,
                  std::shared_ptr<classifier_cancel> cancel) {
  return {
    [self, spec, cancel](atom::classify,
                         std::string& text) -> observer_verdict {
      auto out = run_classifier(*spec, text, cancel);
      observer_verdict v;
      v.source = "model";
      v.elapsed_ms = out.elapsed.count();
      if (out.answer) {
        v.classification = std::string{to_string(out.answer->verdict)};
        v.confidence = out.answer->confidence;
        v.reason = std::move(out.answer->reason);
      } else {
        v.error = std::move(out.error);
      }
      self->quit();
      return v;
    },
  };
}

observer_actor::behavior_type
observer(self_ptr self, std::shared_ptr<const classifier_spec> spec,
         observer_options opts, audit_actor audit) {
  auto& st = self->state;
  st.fast = security::fast_path::shared();
  st.spec = std::move(spec);
  st.opts = opts;
  st.breaker = std::make_unique<security::circuit_breaker>(
    opts.failure_threshold, opts.reset);
  st.audit = std::move(audit);
  // A model call still running when the observer ends (the relay stops)
  // is killed, so shutdown never waits out maxLatencyMs.
  self->attach_functor([cancel = st.cancel] { cancel->cancel(); });
  return {
    [self](atom::classify,
           std::string& text) -> caf::result<observer_verdict> {
      auto& s = self->state;
      const auto started = self->clock().now();
      auto fast = s.fast->scan(text);
      if (fast.verdict) {
        ++s.fast_path;
        observer_verdict v;
        v.classification = std::string{security::to_string(*fast.verdict)};
        v.confidence = 1.0;
        v.reason = fast.reason + " [" + fast.pattern_id + "]";
        v.source = "fast_path";
        return v;
      }
      std::optional<security::breaker_transition> changed;
      auto admission = s.breaker->admit(started, &changed);
      if (changed)
        report(self, *changed, "probing the classifier");
      if (admission == security::breaker_admission::fallback)
        return fallback_verdict(
          s.opts, "circuit breaker "
                    + std::string{security::to_string(s.breaker->state())});
      const bool probe = admission == security::breaker_admission::probe;
      auto rp = self->make_response_promise<observer_verdict>();
      auto worker = self->home_system().spawn<caf::detached>(
        classifier_worker, s.spec, s.cancel);
      auto done = [self, rp, probe,
                   started](observer_verdict v) mutable {
        auto& os = self->state;
        const bool ok = !v.classification.empty();
        const auto now = self->clock().now();
        v.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         now - started)
                         .count();
        auto t = os.breaker->record(ok, now, probe);
        if (t)
          report(self, *t,
                 ok ? std::string{"the probe succeeded"}
                    : std::to_string(os.breaker->consecutive_failures())
                        + " consecutive failures, last: " + v.error);
        if (!ok) {
          spdlog::warn("observer: classifier failed after {} ms: {}",
                       v.elapsed_ms, v.error);
          auto f = fallback_verdict(os.opts, v.error);
          f.elapsed_ms = v.elapsed_ms;
          rp.deliver(std::move(f));
          return;
        }
        security::classifier_answer a;
        a.verdict = v.classification == "ALLOW"  ? security::classification::allow
                    : v.classification == "WARN" ? security::classification::warn
                                                 : security::classification::block;
        a.confidence = v.confidence;
        a.reason = v.reason;
        a = security::apply_danger_threshold(std::move(a),
                                             os.opts.danger_threshold);
        v.classification = std::string{security::to_string(a.verdict)};
        rp.deliver(std::move(v));
      };
      // No request timeout: run_classifier kills the model at
      // maxLatencyMs itself, and a pending timeout would keep this actor
      // alive after the relay let go of it.
      self->request(worker, caf::infinite, atom::classify_v,
                    std::move(text))
        .then([done](observer_verdict& v) mutable { done(std::move(v)); },
              [done, worker](caf::error& err) mutable {
                caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
                observer_verdict v;
                v.source = "model";
                v.error = "no answer from the classifier worker: "
                          + caf::to_string(err);
                done(std::move(v));
              });
      return rp;
    },
    [self](atom::obs_stats) -> observer_stats {
      auto& s = self->state;
      const auto& c = s.breaker->counters();
      observer_stats out;
      out.breaker = std::string{security::to_string(s.breaker->state())};
      out.consecutive_failures = s.breaker->consecutive_failures();
      out.fast_path = s.fast_path;
      out.model_calls = c.calls;
      out.model_successes = c.successes;
      out.model_failures = c.failures;
      out.fallbacks = c.fallbacks;
      out.opened = c.opened;
      out.half_opened = c.half_opened;
      out.closed = c.closed;
      return out;
    },
  };
}

} // namespace telclaude
