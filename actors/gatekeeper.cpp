#include "actors/gatekeeper.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = gatekeeper_actor::stateful_pointer<gatekeeper_state>;

constexpr const char* commit_failed =
  "Something went wrong checking your permissions, so this request was "
  "refused. Please try again later.";

/// Audits `out` and answers its request.
void answer(self_ptr self, gatekeeper_state::decided& d) {
  auto& s = self->state;
  const auto& msg = d.msg;
  for (auto& e : d.outcome.audit) {
    spdlog::info("gatekeeper: update {} chat {} user {}: {} {} ({}){}{}",
                 msg.update_id, msg.chat_id, msg.user_id, e.event,
                 e.verdict, e.reason, e.tier.empty() ? "" : " as ", e.tier);
    if (s.audit)
      self->send(s.audit, std::move(e));
  }
  d.promise.deliver(std::move(d.outcome.reply));
}

/// Commits the open group, then answers every decision in it. When the
/// commit fails none of them happened: each is refused and audited so.
void end_group(self_ptr self) {
  auto& s = self->state;
  std::string failure;
  if (s.group) {
    try {
      s.group->commit();
      ++s.groups;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    s.group.reset();  // rolls back what the failed commit left open
  }
  auto waiting = std::move(s.waiting);
  s.waiting.clear();
  if (!failure.empty())
    spdlog::error("gatekeeper: a group of {} decisions was not stored, each "
                  "is refused: {}",
                  waiting.size(), failure);
  for (auto& d : waiting) {
    if (!failure.empty()) {
      access::access_outcome refused;
      refused.reply.text = commit_failed;
      refused.reply.callback_answer = "Refused.";
      refused.audit.push_back(s.access->refusal_event(
        d.msg, "error: group commit failed: " + failure));
      d.outcome = std::move(refused);
    } else {
      ++s.decisions;
    }
    answer(self, d);
  }
}

/// Opens a group unless one is open; false when the transaction cannot
/// start (each request then stands alone, as access_control does).
bool open_group(self_ptr self) {
  auto& s = self->state;
  if (s.group)
    return true;
  if (s.db->in_transaction())
    return false;
  try {
    s.group.emplace(s.db->begin_immediate());
  } catch (const std::exception& e) {
    spdlog::warn("gatekeeper: cannot open a group commit ({}); deciding "
                 "this request on its own",
                 e.what());
    return false;
  }
  if (!s.end_queued) {
    s.end_queued = true;
    self->send(self, atom::batch_end_v);
  }
  return true;
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
gatekeeper(self_ptr self, std::shared_ptr<storage::database> db,
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
  // Decisions taken are committed and answered before the actor ends.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    end_group(self);
    self->quit(msg.reason);
  });
  self->delayed_send(self, st.sweep_interval, atom::sweep_v);
  return {
    [self](atom::gate,
           chat_message& msg) -> caf::typed_response_promise<gate_reply> {
      auto& s = self->state;
      auto rp = self->make_response_promise<gate_reply>();
      if (s.observer && s.access->needs_observer(msg)) {
        classify_first(self, rp, std::move(msg));
        return rp;
      }
      gatekeeper_state::decided d{rp, msg, {}};
      bool grouped = open_group(self);
      d.outcome = s.access->handle(d.msg);
      if (!grouped) {
        ++s.decisions;
        answer(self, d);
        return rp;
      }
      s.waiting.push_back(std::move(d));
      if (s.waiting.size() >= s.max_group)
        end_group(self);
      return rp;
    },
    [self](atom::refused, chat_message& msg, std::string& reason) {
      auto& s = self->state;
      if (s.audit)
        self->send(s.audit, s.access->refusal_event(msg, std::move(reason)));
    },
    [self](atom::gate, chat_message& msg,
           observer_verdict& v) -> caf::typed_response_promise<gate_reply> {
      // The observer answered (classify_first): decide as above with it.
      auto& s = self->state;
      auto rp = self->make_response_promise<gate_reply>();
      gatekeeper_state::decided d{rp, msg, {}};
      bool grouped = open_group(self);
      d.outcome = s.access->handle(d.msg, &v);
      if (!grouped) {
        ++s.decisions;
        answer(self, d);
        return rp;
      }
      s.waiting.push_back(std::move(d));
      if (s.waiting.size() >= s.max_group)
        end_group(self);
      return rp;
    },
    [self](atom::batch_end) {
      self->state.end_queued = false;
      end_group(self);
    },
    [self](atom::sweep) {
      auto& s = self->state;
      end_group(self);
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
