#pragma once

#include <memory>
#include <string>

#include "actors/agent_run.hpp"

namespace telclaude {

// The resource caps of one agent run, kept apart from agent_run's own
// lifecycle: admission before the start, rlimits and a cgroup at the
// start, the verdict and the release at the end.

using agent_run_self = agent_run_actor::stateful_pointer<agent_run_state>;

/// The behaviour of a run waiting for its slot: asks `spec->slots`, then
/// becomes agent_run. Stopped while it waits (or its session gone), it
/// leaves the queue and ends the turn without starting anything.
agent_run_actor::behavior_type
await_slot(agent_run_self self, std::shared_ptr<const agent_spec> spec,
           run_request req, chat_session_actor session,
           redactor_actor redactor);

/// Adds the run's rlimits and cgroup to `options` (the cgroup is kept in
/// the run's state); throws telclaude::user_error when the cgroup cannot
/// be made (the run then does not start: fail closed).
void apply_caps(agent_run_self self, agent::spawn_options& options);

/// Tells agent_slots the pid and start time of the started agent.
void record_spawn(agent_run_self self);

/// The user's words when a cap ended the run (read from the exit status
/// and the cgroup's counters); empty when none did.
std::string cap_verdict(agent_run_self self,
                        const agent::exit_status& status);

/// The run is over: kills what is left in its cgroup, removes it and
/// frees its slot.
void release_caps(agent_run_self self);

} // namespace telclaude
