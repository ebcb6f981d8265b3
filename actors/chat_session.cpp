#include "actors/chat_session.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = chat_session_actor::stateful_pointer<chat_session_state>;

void arm_typing(self_ptr self) {
  auto& st = self->state;
  if (st.typing_armed || !st.conv->running())
    return;
  st.typing_armed = true;
  self->send(st.deps.outbox, atom::typing_v, st.conv->record().chat_id);
  self->delayed_send(self, st.deps.typing_interval, atom::typing_v);
}

void perform(self_ptr self, std::vector<chat::action> actions) {
  auto& st = self->state;
  for (auto& act : actions) {
    if (auto run = std::get_if<chat::start_run>(&act)) {
      run_request req;
      req.turn = run->turn;
      req.prompt = run->message.text;
      req.resume_id = run->resume_id;
      req.tier = run->message.tier;
      req.user_id = run->message.user_id;
      st.launched[run->turn] = run->message;
      req.target = reply_target{run->message.chat_id,
                                run->message.message_id,
                                run->message.update_id, run->turn};
      spdlog::debug("chat_session {}: turn {} for update {} ({})",
                    st.conv->record().key, req.turn, req.target.update_id,
                    req.resume_id.empty() ? "fresh" : "resumed");
      auto run_handle = st.deps.launch(req, chat_session_actor{self});
      if (run_handle)
        st.runs[run->turn] = std::move(run_handle);
    } else if (auto note = std::get_if<chat::send_notice>(&act)) {
      self->send(st.deps.outbox, atom::send_text_v, note->chat_id,
                 note->text, note->update_id);
    } else if (auto save = std::get_if<chat::save_record>(&act)) {
      self->send(st.deps.store, atom::sess_put_v, save->record);
    } else if (auto stop = std::get_if<chat::stop_run>(&act)) {
      st.stopped.insert(stop->turn);
      auto i = st.runs.find(stop->turn);
      spdlog::info("chat_session {}: stopping turn {}",
                   st.conv->record().key, stop->turn);
      if (i != st.runs.end())
        self->send(i->second, atom::stop_v);
    } else if (auto answer = std::get_if<chat::answer_callback>(&act)) {
      self->send(st.deps.outbox, atom::cb_answer_v, answer->callback_id,
                 answer->text);
    } else if (auto done = std::get_if<chat::mark_done>(&act)) {
      self->send(st.deps.store, atom::inbox_done_v, done->update_id);
    } else if (auto timer = std::get_if<chat::arm_timer>(&act)) {
      self->delayed_send(self, timer->delay, atom::tick_v);
    }
  }
  arm_typing(self);
}

/// Tells the audit trail how a turn ended: duration, session, cost. The
/// request itself was audited (redacted) by the gatekeeper.
void audit_turn(self_ptr self, std::uint64_t turn, const run_outcome& out) {
  auto& st = self->state;
  auto node = st.launched.extract(turn);
  st.runs.erase(turn);
  bool stopped = st.stopped.erase(turn) > 0;
  if (!st.deps.audit || node.empty())
    return;
  const auto& msg = node.mapped();
  audit_event e;
  e.time_ms = to_unix_ms(st.deps.wall->now());
  e.chat_id = msg.chat_id;
  e.user_id = msg.user_id;
  e.tier = msg.tier;
  e.event = "turn";
  e.verdict = out.ok ? "completed" : "failed";
  e.reason = stopped              ? "stopped"
             : out.ok             ? "ok"
             : out.timed_out      ? "timed_out"
             : out.stale_session  ? "stale_session"
                                  : "agent_error";
  e.duration_ms = out.duration_ms;
  e.agent_session_id = out.agent_session_id;
  e.cost_usd = out.cost_usd;
  self->send(st.deps.audit, std::move(e));
}

} // namespace

chat_session_actor::behavior_type
chat_session(self_ptr self, std::string key, std::int64_t chat_id,
             session_deps deps) {
  auto& st = self->state;
  auto turns = deps.turns;
  st.conv = std::make_unique<chat::conversation>(
    key, chat_id, deps.conversation, [turns] { return ++*turns; });
  st.deps = std::move(deps);
  self->request(st.deps.store, caf::infinite, atom::sess_get_v, key)
    .then(
      [self](session_record& rec) {
        auto& s = self->state;
        perform(self, s.conv->on_loaded(std::move(rec), s.deps.wall->now()));
      },
      [self](caf::error& err) {
        // Fail closed: without its record the conversation cannot know
        // what it may resume. Its updates stay pending in the inbox.
        spdlog::error("chat_session {}: cannot load its record: {}",
                      self->state.conv->record().key,
                      self->system().render(err));
        self->quit(err);
      });
  return {
    [self](chat_message& msg) {
      auto& s = self->state;
      perform(self, s.conv->on_message(std::move(msg), s.deps.wall->now()));
    },
    [self](atom::started, std::uint64_t turn, std::string& session_id) {
      perform(self, self->state.conv->on_started(turn, session_id));
    },
    [self](atom::finished, std::uint64_t turn, run_outcome& out) {
      auto& s = self->state;
      audit_turn(self, turn, out);
      perform(self, s.conv->on_finished(turn, out, s.deps.wall->now()));
    },
    [self](atom::typing) {
      auto& s = self->state;
      s.typing_armed = false;
      arm_typing(self);
    },
    [self](atom::tick) {
      auto& s = self->state;
      perform(self, s.conv->on_tick(s.deps.wall->now()));
    },
    [self](atom::expire) {
      if (!self->state.conv->idle())
        return false;
      self->quit();
      return true;
    },
  };
}

} // namespace telclaude
