#include "actors/agent_run.hpp"

#include <csignal>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/agent_caps.hpp"
#include "actors/redactor.hpp"
#include "agent/child_process.hpp"
#include "agent/invocation.hpp"
#include "agent/tier_invocation.hpp"
#include "agent/tool_progress.hpp"
#include "core/tier.hpp"
#include "sandbox/environment.hpp"
#include "security/tiers.hpp"
#include "security/redaction_engine.hpp"

namespace telclaude {

namespace {

using self_ptr = agent_run_actor::stateful_pointer<agent_run_state>;

/// Sends a whole block of text (a paragraph apart from the previous one).
void emit(self_ptr self, std::string text) {
  auto& st = self->state;
  if (text.empty())
    return;
  if (st.text_seen)
    text.insert(0, "\n\n");
  st.text_seen = true;
  self->send(st.redactor, atom::output_v, std::move(text));
}

/// Sends a token-level piece of the block being written.
void emit_delta(self_ptr self, std::string text) {
  auto& st = self->state;
  if (text.empty())
    return;
  if (!st.block_open) {
    if (st.text_seen)
      text.insert(0, "\n\n");
    st.block_open = true;
    st.text_seen = true;
  }
  self->send(st.redactor, atom::output_v, std::move(text));
}

void on_event(self_ptr self, agent::event& ev) {
  auto& st = self->state;
  if (auto init = std::get_if<agent::init_event>(&ev)) {
    if (st.session_id.empty() && !init->session_id.empty()) {
      st.session_id = init->session_id;
      self->send(st.session, atom::started_v, st.req.turn, st.session_id);
    }
  } else if (auto delta = std::get_if<agent::text_delta_event>(&ev)) {
    emit_delta(self, std::move(delta->text));
  } else if (auto text = std::get_if<agent::text_event>(&ev)) {
    // A block already streamed as deltas is complete now; otherwise the
    // block arrives whole.
    if (st.block_open)
      st.block_open = false;
    else
      emit(self, std::move(text->text));
  } else if (auto tool = std::get_if<agent::tool_use_event>(&ev)) {
    spdlog::debug("agent_run turn {}: tool {}", st.req.turn, tool->name);
    // A progress line for the preview; the redactor redacts it whole.
    self->send(st.redactor, atom::progress_v,
               agent::describe_tool(*tool, st.spec->policy.workdir));
  } else if (auto retry = std::get_if<agent::api_retry_event>(&ev)) {
    spdlog::warn("agent_run turn {}: API retry {}/{}", st.req.turn,
                 retry->attempt, retry->max_retries);
  } else if (auto res = std::get_if<agent::result_event>(&ev)) {
    st.result = std::move(*res);
  } else if (auto bad = std::get_if<agent::protocol_error_event>(&ev)) {
    spdlog::warn("agent_run turn {}: unreadable agent output: {}",
                 st.req.turn, bad->reason);
  }
}

/// The user-facing words for how the turn ended (they pass the redactor
/// like everything else that reaches the chat).
void finish(self_ptr self, const agent::exit_status& status) {
  auto& st = self->state;
  st.done = true;
  // What the write guard could not keep the agent from creating is said.
  auto created = st.box ? st.box->finish() : std::vector<std::string>{};
  if (!created.empty()) {
    std::string list;
    for (const auto& f : created)
      list += (list.empty() ? "" : ", ") + f;
    spdlog::warn("agent_run turn {}: the agent created sensitive-shaped "
                 "files: {}", st.req.turn, list);
    emit(self, "⚠ The agent created files that usually hold secrets: "
                 + list + ". Review them before using or committing them.");
  }
  run_outcome out;
  out.agent_session_id = st.session_id;
  out.timed_out = st.timed_out;
  out.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - st.started)
                      .count();
  bool discard = false;
  auto timeout_s = st.spec->timeout.count();
  if (st.result) {
    auto& r = *st.result;
    if (!r.session_id.empty())
      out.agent_session_id = r.session_id;
    out.cost_usd = r.total_cost_usd;
    out.num_turns = static_cast<std::int32_t>(r.num_turns);
    if (!st.req.resume_id.empty() && agent::is_stale_session(r)) {
      out.stale_session = true;
      out.agent_session_id.clear();
      discard = true;
    } else if (st.stopped && !st.timed_out) {
      // Interrupted as asked: the session is kept and resumable.
      out.ok = true;
      emit(self, "⏹ Stopped. The conversation is kept: send a message to "
                 "continue.");
    } else if (st.timed_out) {
      emit(self, "⏱ The turn took longer than " + std::to_string(timeout_s)
                   + " s and was interrupted. The conversation is kept: "
                     "send a message to continue.");
    } else if (r.is_error) {
      auto detail = !r.result.empty() ? r.result
                    : !r.errors.empty() ? r.errors.front()
                                        : r.subtype;
      emit(self, "⚠️ The agent reported an error: " + detail);
    } else {
      out.ok = true;
      if (!st.text_seen)
        emit(self, r.result);
    }
  } else if (st.timed_out) {
    emit(self, "⏱ The turn took longer than " + std::to_string(timeout_s)
                 + " s and was stopped.");
  } else if (st.stopped) {
    emit(self, "⏹ Stopped.");
  } else if (auto capped = cap_verdict(self, status); !capped.empty()) {
    emit(self, capped);
  } else {
    auto tail = st.child ? st.child->stderr_tail() : std::string{};
    if (!tail.empty())
      spdlog::warn("agent_run turn {}: agent stderr: {}", st.req.turn,
                   st.spec->engine ? st.spec->engine->redact(tail) : "");
    emit(self, "⚠️ The agent stopped unexpectedly (" + status.describe()
                 + "). Send your message again, or /new to start over.");
  }
  spdlog::info("agent_run turn {}: {} after {} ms ({}; ${:.4f})",
               st.req.turn,
               st.stopped           ? "stopped"
               : out.ok             ? "done"
               : out.stale_session ? "stale session"
               : out.timed_out     ? "timed out"
                                   : "failed",
               out.duration_ms, status.describe(), out.cost_usd);
  self->send(st.redactor, atom::output_end_v, discard);
  release_caps(self);
  self->send(st.session, atom::finished_v, st.req.turn, out);
  self->quit();
}

void fail_to_start(self_ptr self, const std::string& why) {
  auto& st = self->state;
  spdlog::error("agent_run turn {}: cannot start the agent: {}", st.req.turn,
                why);
  emit(self, "⚠️ The agent could not be started. The operator can see why "
             "in the relay's log.");
  st.done = true;
  self->send(st.redactor, atom::output_end_v, false);
  release_caps(self);
  self->send(st.session, atom::finished_v, st.req.turn, run_outcome{});
  self->quit();
}

} // namespace

agent_run_state::~agent_run_state() {
  if (child && !done)
    child->signal(SIGKILL);
  if (reader.joinable())
    reader.join();
}

agent_run_actor::behavior_type
agent_run(self_ptr self, std::shared_ptr<const agent_spec> spec,
          run_request req, chat_session_actor session,
          redactor_actor redactor) {
  // Under sandbox.limits a run first waits for its slot.
  if (spec->slots && !self->state.admitted)
    return await_slot(self, std::move(spec), std::move(req),
                      std::move(session), std::move(redactor));
  auto& st = self->state;
  st.spec = std::move(spec);
  st.req = std::move(req);
  st.session = std::move(session);
  st.redactor = std::move(redactor);
  st.parser = std::make_unique<agent::stream_json_parser>();
  st.started = std::chrono::steady_clock::now();
  self->monitor(st.session);
  self->set_down_handler([self](caf::down_msg&) {
    // The conversation is gone (relay shutting down): stop the agent.
    if (self->state.child && !self->state.done)
      self->state.child->signal(SIGKILL);
    self->quit();
  });
  agent::invocation call;
  call.prompt = st.req.prompt;
  call.resume_session_id = st.req.resume_id;
  call.model = st.spec->model;
  call.extra_args = st.spec->extra_args;
  call.partial_messages = true;
  // The tier decides what the agent may do this turn; anything but a
  // known tier runs as READ_ONLY (fail closed).
  auto level = parse_tier(st.req.tier).value_or(tier::read_only);
  auto flags = security::flags_for(level);
  agent::apply_tier_flags(call, flags);
  st.box = std::make_unique<sandbox::run_sandbox>(
    st.spec->policy, level != tier::read_only, st.spec->deny_write);
  auto policy = st.box->get();
  spdlog::debug("agent_run: turn {} runs as {} ({})", st.req.turn,
                to_string(level), flags.permission_mode);
  try {
    sandbox::set_variables(policy.env, flags.extra_env);
    auto argv = agent::build_claude_args(st.spec->command, call);
    auto options = sandbox::sandboxed_spawn(policy, argv);
    apply_caps(self, options);
    st.child = std::make_unique<agent::child_process>(std::move(options));
    record_spawn(self);
  } catch (const std::exception& e) {
    fail_to_start(self, e.what());
    return {
      [](atom::line, std::string&) {},
      [](atom::eof) {},
      [](atom::timeout) {},
      [](atom::kill) {},
      [](atom::stop) {},
    };
  }
  auto handle = caf::actor_cast<agent_run_actor>(self);
  st.reader = std::thread{[child = st.child.get(), handle] {
    while (auto line = child->read_line())
      caf::anon_send(handle, atom::line_v, std::move(*line));
    caf::anon_send(handle, atom::eof_v);
  }};
  self->delayed_send(self, st.spec->timeout, atom::timeout_v);
  return {
    [self](atom::line, std::string& line) {
      for (auto& ev : self->state.parser->parse_line(line))
        on_event(self, ev);
    },
    [self](atom::eof) {
      auto& s = self->state;
      auto status = s.child->wait_for(std::chrono::seconds{2});
      if (!status) {
        s.child->signal(SIGKILL);
        status = s.child->wait();
      }
      finish(self, *status);
    },
    [self](atom::timeout) {
      auto& s = self->state;
      if (s.done)
        return;
      s.timed_out = true;
      spdlog::warn("agent_run turn {}: timed out after {} s; interrupting",
                   s.req.turn, s.spec->timeout.count());
      s.child->signal(SIGINT);
      self->delayed_send(self, s.spec->kill_grace, atom::kill_v);
    },
    [self](atom::kill) {
      auto& s = self->state;
      if (s.done)
        return;
      spdlog::warn("agent_run turn {}: still running after the interrupt; "
                   "killing it", s.req.turn);
      s.child->signal(SIGKILL);
    },
    [self](atom::stop) {
      auto& s = self->state;
      if (s.done || s.stopped || s.timed_out)
        return;
      s.stopped = true;
      spdlog::info("agent_run turn {}: stopped by the user; interrupting",
                   s.req.turn);
      s.child->signal(SIGINT);
      self->delayed_send(self, s.spec->kill_grace, atom::kill_v);
    },
  };
}

agent_launcher make_agent_launcher(caf::actor_system& sys,
                                   std::shared_ptr<const agent_spec> spec,
                                   outbox_actor outbox) {
  return [&sys, spec = std::move(spec), outbox = std::move(outbox)](
           const run_request& req, const chat_session_actor& session) {
    auto red = sys.spawn(redactor, spec->engine, outbox, req.target);
    return sys.spawn(agent_run, spec, req, session, red);
  };
}

} // namespace telclaude
