#include "actors/agent_caps.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.hpp"
#include "sandbox/limits.hpp"
#include "sandbox/orphans.hpp"

namespace telclaude {

namespace {

/// Ends a turn that never started an agent.
void end_unstarted(agent_run_self self, const std::string& words) {
  auto& st = self->state;
  st.done = true;
  self->send(st.redactor, atom::output_v, words);
  self->send(st.redactor, atom::output_end_v, false);
  run_outcome out;
  // Nothing ran: the conversation continues where it was.
  out.ok = true;
  out.agent_session_id = st.req.resume_id;
  self->send(st.session, atom::finished_v, st.req.turn, out);
  self->quit();
}

} // namespace

agent_run_actor::behavior_type
await_slot(agent_run_self self, std::shared_ptr<const agent_spec> spec,
           run_request req, chat_session_actor session,
           redactor_actor redactor) {
  auto& st = self->state;
  st.spec = spec;
  st.req = req;
  st.session = session;
  st.redactor = redactor;
  self->monitor(st.session);
  self->set_down_handler([self](caf::down_msg&) {
    // The conversation is gone: leave the queue (agent_slots sees us go).
    self->quit();
  });
  auto user = req.user_id != 0 ? req.user_id : req.target.chat_id;
  self->request(spec->slots, caf::infinite, atom::slot_get_v, req.turn, user,
                req.target.chat_id)
    .then(
      [self, spec, req, session, redactor](bool granted) mutable {
        if (!granted) {
          spdlog::error("agent_run turn {}: agent_slots refused the slot",
                        req.turn);
          end_unstarted(self, "⚠️ The agent could not be started. The "
                              "operator can see why in the relay's log.");
          return;
        }
        self->state.admitted = true;
        self->become(agent_run(self, std::move(spec), std::move(req),
                               std::move(session), std::move(redactor)));
      },
      [self](caf::error& err) {
        spdlog::error("agent_run turn {}: no agent slot: {}",
                      self->state.req.turn, self->system().render(err));
        end_unstarted(self, "⚠️ The agent could not be started. The "
                            "operator can see why in the relay's log.");
      });
  return {
    [](atom::line, std::string&) {},
    [](atom::eof) {},
    [](atom::timeout) {},
    [](atom::kill) {},
    [self](atom::stop) {
      spdlog::info("agent_run turn {}: stopped while queued",
                   self->state.req.turn);
      end_unstarted(self, "⏹ Stopped before it started.");
    },
  };
}

void apply_caps(agent_run_self self, agent::spawn_options& options) {
  auto& st = self->state;
  const auto& spec = *st.spec;
  options.limits = sandbox::rlimits_for(spec.caps);
  if (!spec.cgroups || !spec.cgroups->available())
    return;
  st.cgroup = spec.cgroups->create("run-" + std::to_string(::getpid()) + "-"
                                     + std::to_string(st.req.turn),
                                   spec.caps);
  options.cgroup_procs = st.cgroup->procs_files();
}

void record_spawn(agent_run_self self) {
  auto& st = self->state;
  if (!st.spec->slots || !st.child)
    return;
  auto id = sandbox::identify(st.child->pid());
  if (!id)
    return;  // Gone already: nothing to find after a crash.
  std::string dirs;
  if (st.cgroup)
    for (const auto& dir : st.cgroup->dirs())
      dirs += (dirs.empty() ? "" : ":") + dir;
  self->send(st.spec->slots, atom::slot_pid_v, st.req.turn,
             std::int64_t{id->pid}, id->start_time, std::move(dirs));
}

std::string cap_verdict(agent_run_self self,
                        const agent::exit_status& status) {
  auto& st = self->state;
  sandbox::run_evidence e;
  e.exit_code = status.code;
  e.exit_signal = status.signal;
  if (st.cgroup)
    st.cgroup->read_counters(e);
  auto hit = sandbox::classify(e);
  if (hit != sandbox::cap_hit::none)
    spdlog::warn("agent_run turn {}: ended by a resource cap ({}; {} OOM "
                 "kills, {} refused forks)",
                 st.req.turn, status.describe(), e.oom_kills,
                 e.fork_refusals);
  return sandbox::cap_notice(hit, st.spec->caps);
}

void release_caps(agent_run_self self) {
  auto& st = self->state;
  st.cgroup.reset();
  if (st.spec && st.spec->slots && st.admitted)
    self->send(st.spec->slots, atom::slot_free_v, st.req.turn);
}

} // namespace telclaude
