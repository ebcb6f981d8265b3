#pragma once

#include "agent/child_process.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace telclaude::sandbox {

/// The caps of one agent run (`sandbox.limits`); 0 means "no cap".
struct process_caps {
  /// Address space of each process (RLIMIT_AS), MiB.
  std::int64_t address_space_mb = 0;
  /// Processes (and threads) of the whole sandbox: pids cgroup, and
  /// RLIMIT_NPROC (which the kernel does not enforce for root).
  int processes = 0;
  /// Open files of each process (RLIMIT_NOFILE).
  int open_files = 0;
  /// CPU seconds of each process (RLIMIT_CPU: SIGXCPU, then SIGKILL).
  int cpu_seconds = 0;
  /// Memory of the whole sandbox (memory cgroup), MiB.
  std::int64_t sandbox_memory_mb = 0;
};

/// The seconds between RLIMIT_CPU's soft limit (SIGXCPU) and its hard one
/// (SIGKILL).
inline constexpr int cpu_grace_seconds = 5;

/// The setrlimit calls for `caps` (bwrap and the agent inherit them).
std::vector<agent::resource_limit> rlimits_for(const process_caps& caps);

/// Which cap ended a run, as far as the relay can tell.
enum class cap_hit { none, cpu, memory, processes };

/// What the cgroups and the exit status say about one finished run.
struct run_evidence {
  /// The agent's exit: bwrap reports a signal death of the program as
  /// 128 + signal.
  int exit_code = -1;
  int exit_signal = 0;
  /// Kills by the memory cgroup's OOM killer during the run.
  std::uint64_t oom_kills = 0;
  /// Forks refused by the pids cgroup during the run.
  std::uint64_t fork_refusals = 0;
};

/// The cap most likely responsible for the end of a run. A fork refusal
/// alone does not end a run: it names `processes` only when the run
/// failed.
cap_hit classify(const run_evidence& e);

/// The user's words for a run a cap ended ("🛑 ..."), naming the cap and
/// its value; empty for cap_hit::none.
std::string cap_notice(cap_hit hit, const process_caps& caps);

/// "caps: address space 4096 MiB, 256 processes, ..." for the log.
std::string describe(const process_caps& caps);

} // namespace telclaude::sandbox
