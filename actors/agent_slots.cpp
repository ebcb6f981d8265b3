#include "actors/agent_slots.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.hpp"
#include "sandbox/orphans.hpp"

#include <unistd.h>

namespace telclaude {

namespace {

using self_ptr = agent_slots_actor::stateful_pointer<agent_slots_state>;

void forget_process(self_ptr self, agent_slots_state::run& r) {
  auto& st = self->state;
  if (!r.process || !st.records)
    return;
  try {
    st.records->remove(r.process->pid, r.process->start_time,
                       r.process->boot_id);
  } catch (const std::exception& e) {
    spdlog::error("agent_slots: cannot forget agent process {}: {}",
                  r.process->pid, e.what());
  }
  r.process.reset();
}

void act_on(self_ptr self, const sandbox::admission::step& step) {
  auto& st = self->state;
  for (auto id : step.granted) {
    auto it = st.runs.find(id);
    if (it != st.runs.end() && it->second.promise.pending())
      it->second.promise.deliver(true);
  }
  for (const auto& n : step.notices) {
    auto it = st.runs.find(n.id);
    if (it != st.runs.end() && st.opts.outbox)
      self->send(st.opts.outbox, atom::send_text_v, it->second.chat_id,
                 queue_notice(n.ahead), std::int64_t{0});
  }
  if (step.wake_at && !st.wake_armed) {
    st.wake_armed = true;
    auto delay = *step.wake_at - st.opts.wall->now();
    self->delayed_send(self,
                       std::max(std::chrono::duration_cast<
                                  std::chrono::milliseconds>(delay),
                                std::chrono::milliseconds{1}),
                       atom::slot_wake_v);
  }
}

void free_slot(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.runs.find(id);
  if (it != st.runs.end()) {
    forget_process(self, it->second);
    st.runs.erase(it);
  }
  act_on(self, st.admission->release(id, st.opts.wall->now()));
}

} // namespace

std::string queue_notice(std::size_t ahead) {
  if (ahead == 0)
    return "⏳ Queued: you are next. Your message runs as soon as an agent "
           "slot is free.";
  return "⏳ Queued: " + std::to_string(ahead)
         + " ahead of you. Your message runs when an agent slot is free.";
}

agent_slots_actor::behavior_type
agent_slots(self_ptr self, agent_slots_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.admission = std::make_unique<sandbox::admission>(st.opts.limits);
  if (st.opts.db)
    st.records = std::make_unique<storage::agent_processes>(*st.opts.db);
  self->set_down_handler([self](caf::down_msg& dm) {
    // A run that ended without saying so (crashed, or stopped while it
    // waited) gives its slot back here.
    std::vector<std::uint64_t> gone;
    for (auto& [id, r] : self->state.runs)
      if (r.asker == dm.source)
        gone.push_back(id);
    for (auto id : gone)
      free_slot(self, id);
  });
  return {
    [self](atom::slot_get, std::uint64_t id, std::int64_t user,
           std::int64_t chat_id) -> caf::typed_response_promise<bool> {
      auto& s = self->state;
      // Before the promise: making it takes the sender out of the message.
      auto sender = self->current_sender();
      auto rp = self->make_response_promise<bool>();
      if (s.runs.contains(id)) {
        rp.deliver(false);
        return rp;
      }
      auto& r = s.runs[id];
      r.promise = rp;
      r.chat_id = chat_id;
      if (sender) {
        r.asker = sender->address();
        self->monitor(sender);
      }
      act_on(self, s.admission->request(id, user, s.opts.wall->now()));
      return rp;
    },
    [self](atom::slot_pid, std::uint64_t id, std::int64_t pid,
           std::int64_t start_time, std::string& cgroup) {
      auto& s = self->state;
      auto it = s.runs.find(id);
      if (it == s.runs.end() || !s.records)
        return;
      storage::agent_process p;
      p.pid = pid;
      p.start_time = start_time;
      p.boot_id = sandbox::boot_id();
      p.relay_pid = ::getpid();
      p.chat_id = it->second.chat_id;
      p.started_ms = to_unix_ms(s.opts.wall->now());
      p.cgroup = std::move(cgroup);
      try {
        s.records->add(p);
        it->second.process = std::move(p);
      } catch (const std::exception& e) {
        spdlog::error("agent_slots: cannot record agent process {}: {}", pid,
                      e.what());
      }
    },
    [self](atom::slot_free, std::uint64_t id) { free_slot(self, id); },
    [self](atom::slot_wake) {
      auto& s = self->state;
      s.wake_armed = false;
      act_on(self, s.admission->poll(s.opts.wall->now()));
    },
    [self](atom::slot_count) {
      auto& a = *self->state.admission;
      return caf::make_result(std::uint64_t{a.running_count()},
                              std::uint64_t{a.waiting_count()});
    },
  };
}

std::vector<orphan_report> reap_orphans(storage::database& db) {
  storage::agent_processes records{db};
  std::vector<orphan_report> out;
  for (auto& rec : records.all()) {
    orphan_report report;
    report.killed = sandbox::end_process(sandbox::process_identity{
      static_cast<pid_t>(rec.pid), rec.start_time, rec.boot_id});
    // Whatever of the run is left in its cgroup goes too (the cgroup is
    // removed with it).
    std::string_view dirs = rec.cgroup;
    while (!dirs.empty()) {
      auto colon = dirs.find(':');
      std::string dir{dirs.substr(0, colon)};
      if (!dir.empty())
        sandbox::run_cgroup{{dir}, false};
      dirs.remove_prefix(colon == dirs.npos ? dirs.size() : colon + 1);
    }
    records.remove(rec.pid, rec.start_time, rec.boot_id);
    report.record = std::move(rec);
    out.push_back(std::move(report));
  }
  return out;
}

sandbox::process_caps caps_from(const config::sandbox_limit_settings& l) {
  sandbox::process_caps c;
  c.address_space_mb = l.max_memory_mb;
  c.processes = l.max_processes;
  c.open_files = l.max_open_files;
  c.cpu_seconds = l.max_cpu_seconds;
  c.sandbox_memory_mb = l.max_sandbox_memory_mb;
  return c;
}

sandbox::admission::limits
admission_from(const config::sandbox_limit_settings& l) {
  sandbox::admission::limits a;
  a.max_concurrent = l.max_concurrent_agents;
  a.max_per_user = l.max_agents_per_user;
  a.min_interval = std::chrono::milliseconds{l.min_spawn_interval_ms};
  return a;
}

agent_slots_actor start_agent_slots(caf::actor_system& sys,
                                    const std::filesystem::path& db_file,
                                    const config::sandbox_limit_settings& l,
                                    const sandbox::cgroup_root* cgroups,
                                    outbox_actor outbox, audit_actor audit,
                                    const clock& wall) {
  auto db = std::make_shared<storage::database>(
    storage::database::open(db_file));
  auto orphans = reap_orphans(*db);
  std::size_t killed = 0;
  for (const auto& o : orphans) {
    const auto& r = o.record;
    killed += o.killed ? 1 : 0;
    auto what = "agent pid " + std::to_string(r.pid) + " of chat "
                + std::to_string(r.chat_id) + ", started by relay pid "
                + std::to_string(r.relay_pid);
    if (o.killed)
      spdlog::warn("relay: killed an orphaned {}", what);
    else
      spdlog::info("relay: orphan record of {} (already gone) cleared", what);
    if (audit) {
      audit_event e;
      e.time_ms = to_unix_ms(wall.now());
      e.chat_id = r.chat_id;
      e.event = "orphan";
      e.verdict = o.killed ? "killed" : "gone";
      e.reason = what;
      caf::anon_send(audit, std::move(e));
    }
  }
  if (cgroups && cgroups->available()) {
    if (auto n = cgroups->sweep_leftovers(); n > 0) {
      killed += n;
      spdlog::warn("relay: killed {} processes left in old agent cgroups",
                   n);
    }
  }
  if (!orphans.empty() || killed > 0)
    spdlog::warn("relay: cleaned up after a previous relay: {} recorded "
                 "agent processes, {} killed",
                 orphans.size(), killed);
  agent_slots_options opts;
  opts.limits = admission_from(l);
  opts.wall = &wall;
  opts.db = std::move(db);
  opts.outbox = std::move(outbox);
  spdlog::info("relay: at most {} agents at once, {} per user, {} ms "
               "between starts",
               opts.limits.max_concurrent, opts.limits.max_per_user,
               opts.limits.min_interval.count());
  return sys.spawn<caf::detached>(agent_slots, std::move(opts));
}

std::shared_ptr<const agent_spec>
with_slots(std::shared_ptr<const agent_spec> spec, agent_slots_actor slots) {
  auto copy = std::make_shared<agent_spec>(*spec);
  copy->slots = std::move(slots);
  return copy;
}

} // namespace telclaude
