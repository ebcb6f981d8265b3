#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "actors/chat_session.hpp"
#include "agent/child_process.hpp"
#include "agent/stream_json.hpp"
#include "messages/actors.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/egress_proxy.hpp"
#include "sandbox/run_sandbox.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/limits.hpp"

namespace telclaude {

namespace security {
class redaction_engine;
} // namespace security

/// What every agent run of a relay shares.
struct agent_spec {
  /// The agent program (resolved path first) and its fixed arguments.
  std::vector<std::string> command;
  std::string model;
  std::vector<std::string> extra_args;
  /// The sandbox every run starts from (built and self-tested at
  /// start-up); the run's tier decides if the workdir is writable.
  sandbox::policy policy;
  /// Extra file shapes kept read-only in a writable workdir.
  std::vector<std::string> deny_write;
  /// The egress proxy the policy's bridge reaches (kept running).
  std::shared_ptr<sandbox::egress_proxy> egress;
  std::chrono::seconds timeout{600};
  /// Between the interrupt (SIGINT) and the kill (SIGKILL).
  std::chrono::seconds kill_grace{5};
  /// Redacts what the agent writes to stderr before it is logged.
  std::shared_ptr<const security::redaction_engine> engine;
  /// Resource caps of each run (sandbox.limits, actors/agent_caps.hpp).
  sandbox::process_caps caps;
  /// Where each run gets its cgroup; null or unavailable: rlimits only.
  std::shared_ptr<const sandbox::cgroup_root> cgroups;
  /// Admission and process records; null: every run starts at once.
  agent_slots_actor slots;
};

struct agent_run_state {
  static inline const char* name = "agent_run";
  std::shared_ptr<const agent_spec> spec;
  run_request req;
  chat_session_actor session;
  redactor_actor redactor;
  /// This run's sandbox (destroyed after the child: its write guard's
  /// placeholders go once the agent is gone).
  std::unique_ptr<sandbox::run_sandbox> box;
  /// The run's cgroup (destroyed after the child: kills what is left).
  std::unique_ptr<sandbox::run_cgroup> cgroup;
  /// agent_slots granted this run its slot.
  bool admitted = false;
  std::unique_ptr<agent::child_process> child;
  std::thread reader;
  std::unique_ptr<agent::stream_json_parser> parser;
  std::optional<agent::result_event> result;
  std::string session_id;
  bool text_seen = false;
  /// Deltas of a text block are arriving; its whole copy will follow.
  bool block_open = false;
  bool timed_out = false;
  /// The user asked to stop the turn (/stop, Stop button).
  bool stopped = false;
  bool done = false;
  std::chrono::steady_clock::time_point started;
  /// Kills the agent if it still runs and joins the reader.
  ~agent_run_state();
};

/// Runs one turn: spawns the agent under bwrap, parses its stream-json
/// output, sends its text to the redactor (never anywhere else) and its
/// lifecycle to the chat session; interrupts it when the turn times out
/// or the user stops it. Each tool the agent uses becomes one progress line
/// (agent/tool_progress.hpp), sent through the redactor too.
agent_run_actor::behavior_type
agent_run(agent_run_actor::stateful_pointer<agent_run_state> self,
          std::shared_ptr<const agent_spec> spec, run_request req,
          chat_session_actor session, redactor_actor redactor);

/// The production launcher: a redactor and an agent_run per turn (the
/// agent_run's handle is returned: the session stops it through it).
agent_launcher
make_agent_launcher(caf::actor_system& sys,
                    std::shared_ptr<const agent_spec> spec,
                    outbox_actor outbox);

} // namespace telclaude
