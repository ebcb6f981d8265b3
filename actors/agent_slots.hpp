#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "actors/agent_run.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "messages/actors.hpp"
#include "sandbox/admission.hpp"
#include "storage/agent_processes.hpp"

namespace telclaude {

/// What the agent_slots actor is given.
struct agent_slots_options {
  sandbox::admission::limits limits;
  const clock* wall = &system_clock::instance();
  /// Where agent processes are recorded; null: not recorded (tests).
  std::shared_ptr<storage::database> db;
  /// Where queue positions are told; null: not told.
  outbox_actor outbox;
};

struct agent_slots_state {
  static inline const char* name = "agent_slots";
  /// One run that asked for a slot (waiting or running).
  struct run {
    caf::typed_response_promise<bool> promise;
    std::int64_t chat_id = 0;
    caf::actor_addr asker;
    /// Its agent process, once started.
    std::optional<storage::agent_process> process;
  };
  agent_slots_options opts;
  std::unique_ptr<sandbox::admission> admission;
  std::unique_ptr<storage::agent_processes> records;
  std::map<std::uint64_t, run> runs;
  bool wake_armed = false;
};

/// The queue in front of agent starts: grants slots in FIFO order within
/// `sandbox.limits`, tells waiting chats their position, frees a slot when
/// its run says so or dies (a slot never leaks), and records each agent
/// process (pid, start time, boot) until it is gone. A spawn interval
/// timer may be armed: stop it with an exit message.
agent_slots_actor::behavior_type
agent_slots(agent_slots_actor::stateful_pointer<agent_slots_state> self,
            agent_slots_options opts);

/// The words a queued run's chat gets.
std::string queue_notice(std::size_t ahead);

/// One orphan found at start-up.
struct orphan_report {
  storage::agent_process record;
  /// It was still alive (same boot and start time) and was killed.
  bool killed = false;
};

/// Ends the agent processes a previous relay recorded and left behind
/// (their process groups get SIGKILL, when the pid still names the same
/// process) and clears their records.
std::vector<orphan_report> reap_orphans(storage::database& db);

/// The per-process caps of `sandbox.limits`.
sandbox::process_caps caps_from(const config::sandbox_limit_settings& l);

/// The admission caps of `sandbox.limits`.
sandbox::admission::limits
admission_from(const config::sandbox_limit_settings& l);

/// Start-up: ends the agent processes a previous relay left behind (from
/// the records in `db_file`, logged and audited), clears leftover run
/// cgroups, then spawns agent_slots (detached, its own connection).
agent_slots_actor start_agent_slots(caf::actor_system& sys,
                                    const std::filesystem::path& db_file,
                                    const config::sandbox_limit_settings& l,
                                    const sandbox::cgroup_root* cgroups,
                                    outbox_actor outbox, audit_actor audit,
                                    const clock& wall);

/// A copy of `spec` whose runs ask `slots` first.
std::shared_ptr<const agent_spec>
with_slots(std::shared_ptr<const agent_spec> spec, agent_slots_actor slots);

} // namespace telclaude
