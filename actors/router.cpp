#include "actors/router.hpp"

#include "security/control_command.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = router_actor::stateful_pointer<router_state>;

void deliver(self_ptr self, const std::string& key, chat_message msg) {
  auto& st = self->state;
  auto& e = st.sessions[key];
  e.last_seen = self->clock().now();
  if (e.expiring) {
    e.held.push_back(std::move(msg));
    return;
  }
  if (!e.handle) {
    e.handle = self->spawn(chat_session, key, msg.chat_id, st.deps);
    self->monitor(e.handle);
  }
  self->send(e.handle, std::move(msg));
}

void expire(self_ptr self, const std::string& key) {
  auto& e = self->state.sessions[key];
  e.expiring = true;
  self->request(e.handle, caf::infinite, atom::expire_v)
    .then(
      [self, key](bool gone) {
        auto& sessions = self->state.sessions;
        auto i = sessions.find(key);
        if (i == sessions.end())
          return;
        auto held = std::move(i->second.held);
        i->second.held.clear();
        i->second.expiring = false;
        if (gone) {
          self->demonitor(i->second.handle.address());
          sessions.erase(i);
        }
        for (auto& msg : held)
          deliver(self, key, std::move(msg));
      },
      [self, key](caf::error&) {
        // The session died meanwhile; the down handler cleans up.
        auto i = self->state.sessions.find(key);
        if (i != self->state.sessions.end())
          i->second.expiring = false;
      });
}

constexpr const char* gate_failed =
  "Something went wrong checking your permissions, so this request was "
  "refused. Please try again later.";

/// Carries out the gatekeeper's reply for `msg`.
void apply(self_ptr self, const chat_message& msg, gate_reply& r) {
  auto& s = self->state;
  // A press passed on to its conversation (a Stop button) is answered
  // there: only the conversation knows whether its run still goes.
  bool press_passed_on = r.run && !r.message.callback_id.empty();
  if (!msg.callback_id.empty() && !press_passed_on)
    self->send(s.deps.outbox, atom::cb_answer_v, msg.callback_id,
               r.callback_answer);
  if (r.run) {
    // An approved request answers the /approve update once it ran, so
    // the notice marks nothing.
    if (!r.text.empty())
      self->send(s.deps.outbox, atom::send_text_v, msg.chat_id, r.text,
                 std::int64_t{0});
    auto key = s.rules->session_key(r.message);
    deliver(self, key, std::move(r.message));
  } else if (!r.qr.empty()) {
    self->send(s.deps.outbox, atom::qr_photo_v, msg.chat_id, r.text, r.qr,
               msg.update_id);
  } else if (!r.buttons.empty()) {
    self->send(s.deps.outbox, atom::prompt_v, msg.chat_id, r.text,
               r.buttons, msg.update_id);
  } else if (!r.text.empty()) {
    self->send(s.deps.outbox, atom::send_text_v, msg.chat_id, r.text,
               msg.update_id);
  } else {
    self->send(s.deps.store, atom::inbox_done_v, msg.update_id);
  }
}

/// Applies the answers of `chat` that are next in arrival order.
void apply_in_order(self_ptr self, std::int64_t chat) {
  auto& orders = self->state.gate_orders;
  auto it = orders.find(chat);
  if (it == orders.end())
    return;
  auto& o = it->second;
  for (auto r = o.ready.find(o.next_applied); r != o.ready.end();
       r = o.ready.find(o.next_applied)) {
    auto [msg, reply] = std::move(r->second);
    o.ready.erase(r);
    ++o.next_applied;
    apply(self, msg, reply);
  }
  if (o.next_applied == o.next_asked)
    orders.erase(it);
}

/// Asks the gatekeeper about `msg`; a failed answer refuses (fail closed).
/// With `ordered`, its answer is applied only after those of the chat's
/// earlier ordered messages (conversation text); control commands and
/// button presses are answered as soon as decided (/stop must not wait
/// behind a message the observer is still classifying).
void gate(self_ptr self, chat_message msg, bool ordered) {
  auto& s = self->state;
  std::optional<std::uint64_t> seq;
  if (ordered)
    seq = s.gate_orders[msg.chat_id].next_asked++;
  auto done = [self, seq](const chat_message& m, gate_reply& r) {
    if (!seq) {
      apply(self, m, r);
      return;
    }
    auto& o = self->state.gate_orders[m.chat_id];
    o.ready.emplace(*seq, std::make_pair(m, std::move(r)));
    apply_in_order(self, m.chat_id);
  };
  self->request(s.opts.gatekeeper, caf::infinite, atom::gate_v, msg)
    .then(
      [msg, done](gate_reply& r) { done(msg, r); },
      [self, msg, done](caf::error& err) {
        spdlog::error("router: the gatekeeper failed on update {}: {}",
                      msg.update_id, self->system().render(err));
        gate_reply r;
        r.text = gate_failed;
        r.callback_answer = "Refused.";
        done(msg, r);
      });
}

} // namespace

router_actor::behavior_type router(self_ptr self, router_options opts,
                                   session_deps deps) {
  auto& st = self->state;
  st.rules = std::make_unique<chat::router_rules>(opts.allowed_chats,
                                                  opts.scope, opts.secrets);
  st.opts = std::move(opts);
  st.deps = std::move(deps);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& sessions = self->state.sessions;
    for (auto i = sessions.begin(); i != sessions.end(); ++i) {
      if (i->second.handle && i->second.handle.address() == dm.source) {
        spdlog::warn("router: session {} ended: {}", i->first,
                     self->system().render(dm.reason));
        auto held = std::move(i->second.held);
        auto key = i->first;
        sessions.erase(i);
        for (auto& msg : held)
          deliver(self, key, std::move(msg));
        return;
      }
    }
  });
  self->delayed_send(self, st.opts.sweep_interval, atom::sweep_v);
  return {
    [self](chat_message& msg) {
      auto& s = self->state;
      if (!msg.callback_id.empty()) {
        // A button press: only the gatekeeper knows what it means.
        gate(self, std::move(msg), false);
        return;
      }
      auto r = s.rules->decide(msg);
      switch (r.kind) {
        case chat::route::not_allowed:
          spdlog::info("router: update {} from chat {} dropped: chat not in "
                       "telegram.allowedChats",
                       msg.update_id, msg.chat_id);
          self->send(s.opts.gatekeeper, atom::refused_v, msg,
                     std::string{"chat_not_allowed"});
          self->send(s.deps.store, atom::inbox_done_v, msg.update_id);
          return;
        case chat::route::unsupported:
          self->send(s.deps.outbox, atom::send_text_v, msg.chat_id,
                     std::string{chat::notice::unsupported}, msg.update_id);
          return;
        case chat::route::secret:
          spdlog::warn("router: update {} from chat {} refused: it carries "
                       "a secret ({} kind(s)); not sent to the agent",
                       msg.update_id, msg.chat_id, r.secret_kinds.size());
          {
            std::string reason = "secret";
            for (const auto& k : r.secret_kinds)
              reason += (reason.size() == 6 ? ": " : ", ") + k;
            self->send(s.opts.gatekeeper, atom::refused_v, msg, reason);
          }
          self->send(s.deps.outbox, atom::send_text_v, msg.chat_id,
                     chat::notice::secret_refused(r.secret_kinds),
                     msg.update_id);
          return;
        case chat::route::conversation:
          if (!s.opts.replies_enabled) {
            spdlog::debug("router: update {} not answered: "
                          "inbound.reply.enabled is false",
                          msg.update_id);
            self->send(s.deps.store, atom::inbox_done_v, msg.update_id);
            return;
          }
          {
            bool ordered = std::holds_alternative<security::not_control>(
              security::parse_control_command(msg.text, ""));
            gate(self, std::move(msg), ordered);
          }
          return;
      }
    },
    [self](atom::sweep) {
      auto& s = self->state;
      auto now = self->clock().now();
      std::vector<std::string> idle;
      for (auto& [key, e] : s.sessions)
        if (!e.expiring && e.handle && now - e.last_seen >= s.opts.session_ttl)
          idle.push_back(key);
      for (auto& key : idle)
        expire(self, key);
      self->delayed_send(self, s.opts.sweep_interval, atom::sweep_v);
    },
    [self](atom::count) {
      return static_cast<std::uint64_t>(self->state.sessions.size());
    },
  };
}

} // namespace telclaude
