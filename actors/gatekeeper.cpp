#include "actors/gatekeeper.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = gatekeeper_actor::stateful_pointer<gatekeeper_state>;

/// Decides `msg` (with the observer's answer, if any) and audits it.
gate_reply decide(self_ptr self, const chat_message& msg,
                  const observer_verdict* observed) {
  auto& s = self->state;
  auto out = s.access->handle(msg, observed);
  for (auto& e : out.audit) {
    spdlog::info("gatekeeper: update {} chat {} user {}: {} {} ({}){}{}",
                 msg.update_id, msg.chat_id, msg.user_id, e.event,
                 e.verdict, e.reason, e.tier.empty() ? "" : " as ", e.tier);
    self->send(s.audit, std::move(e));
  }
  return std::move(out.reply);
}

/// Asks the observer about `msg`, then decides it with the answer (a
/// message to itself, so the decision joins the group commit like any
/// other). The observer always answers within its latency bound; if it
/// is gone, the request is decided as unclassified (held for approval).
void classify_first(self_ptr self,
                    caf::typed_response_promise<gate_reply> rp,
                    chat_message msg) {
  auto decide = [self, rp, msg](observer_verdict v) mutable {
    self->request(caf::actor_cast<gatekeeper_actor>(self), caf::infinite,
                  atom::gate_v, msg, std::move(v))
      .then([rp](gate_reply& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
  };
  self->request(self->state.observer, caf::infinite, atom::classify_v,
                msg.text)
    .then([decide](observer_verdict& v) mutable { decide(std::move(v)); },
          [decide](caf::error& e) mutable {
            spdlog::error("gatekeeper: the observer failed: {}",
                          caf::to_string(e));
            observer_verdict v;
            v.source = "fallback";
            v.fallback = "approve";
            v.error = "observer unavailable";
            decide(std::move(v));
          });
}

} // namespace

gatekeeper_actor::behavior_type
observed_gatekeeper(self_ptr self, std::shared_ptr<storage::database> db,
                    access::access_options opts, const clock* wall,
                    access::redact_fn redact, audit_actor audit,
                    std::chrono::milliseconds sweep_interval,
                    std::shared_ptr<access::second_factor> factor,
                    observer_actor observer) {
  // One fate: when the gatekeeper stops, its observer stops too (and
  // kills a model call still running), and a gatekeeper whose observer
  // died stops rather than hold every request.
  self->link_to(observer);
  self->state.observer = std::move(observer);
  return gatekeeper(self, std::move(db), std::move(opts), wall,
                    std::move(redact), std::move(audit), sweep_interval,
                    std::move(factor));
}

gatekeeper_actor::behavior_type
gatekeeper(gatekeeper_actor::stateful_pointer<gatekeeper_state> self,
           std::shared_ptr<storage::database> db,
           access::access_options opts, const clock* wall,
           access::redact_fn redact, audit_actor audit,
           std::chrono::milliseconds sweep_interval,
           std::shared_ptr<access::second_factor> factor) {
  auto& st = self->state;
  st.db = std::move(db);
  st.factor = std::move(factor);
  st.access = std::make_unique<access::access_control>(
    *st.db, std::move(opts), *wall, std::move(redact), st.factor.get());
  st.audit = std::move(audit);
  st.sweep_interval = sweep_interval;
  self->delayed_send(self, st.sweep_interval, atom::sweep_v);
  return {
    [self](atom::gate, chat_message& msg) -> caf::result<gate_reply> {
      auto& s = self->state;
      if (s.observer && s.access->needs_observer(msg)) {
        auto rp = self->make_response_promise<gate_reply>();
        classify_first(self, rp, std::move(msg));
        return rp;
      }
      return decide(self, msg, nullptr);
    },
    [self](atom::gate, chat_message& msg, observer_verdict& v) -> gate_reply {
      // The observer answered (classify_first): decide with it.
      return decide(self, msg, &v);
    },
    [self](atom::refused, chat_message& msg, std::string& reason) {
      auto& s = self->state;
      self->send(s.audit, s.access->refusal_event(msg, std::move(reason)));
    },
    [self](atom::sweep) {
      auto& s = self->state;
      try {
        if (auto n = s.access->expire_old())
          spdlog::info("gatekeeper: {} approvals expired", n);
      } catch (const std::exception& e) {
        spdlog::error("gatekeeper: expiring old approvals failed: {}",
                      e.what());
      }
      self->delayed_send(self, s.sweep_interval, atom::sweep_v);
    },
  };
}

} // namespace telclaude
