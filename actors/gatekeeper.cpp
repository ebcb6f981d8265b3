#include "actors/gatekeeper.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

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
    [self](atom::gate, chat_message& msg) -> gate_reply {
      auto& s = self->state;
      auto out = s.access->handle(msg);
      for (auto& e : out.audit) {
        spdlog::info("gatekeeper: update {} chat {} user {}: {} {} ({}){}{}",
                     msg.update_id, msg.chat_id, msg.user_id, e.event,
                     e.verdict, e.reason, e.tier.empty() ? "" : " as ",
                     e.tier);
        self->send(s.audit, std::move(e));
      }
      return std::move(out.reply);
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
