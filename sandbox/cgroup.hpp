#pragma once

#include "sandbox/limits.hpp"

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace telclaude::sandbox {

/// The cgroup of one agent run: its processes are counted (pids) and
/// their memory capped (memory) together, whatever they fork. Destroying
/// it kills what is left inside and removes the directories.
class run_cgroup {
public:
  run_cgroup(std::vector<std::string> dirs, bool v2);
  ~run_cgroup();
  run_cgroup(const run_cgroup&) = delete;
  run_cgroup& operator=(const run_cgroup&) = delete;

  /// The `cgroup.procs` files a child writes itself into before exec.
  std::vector<std::string> procs_files() const;

  /// The processes inside now.
  std::vector<pid_t> pids() const;

  /// OOM kills and refused forks so far (into `e`).
  void read_counters(run_evidence& e) const;

  /// SIGKILLs everything inside until it is empty (bounded: about 2 s);
  /// returns how many processes it signalled.
  std::size_t kill_all();

  /// The directories (one per hierarchy).
  const std::vector<std::string>& dirs() const noexcept {
    return dirs_;
  }

private:
  std::vector<std::string> dirs_;
  bool v2_ = false;
};

/// Where the relay makes run cgroups: a `telclaude` directory in a
/// writable cgroup v2 hierarchy with the pids and memory controllers, or
/// in the cgroup v1 `pids` and `memory` hierarchies (each optional).
class cgroup_root {
public:
  /// Finds the hierarchies from /proc/self/mountinfo and /proc/self/cgroup
  /// and creates `<base>/<name>` in each (the relay's own cgroup first,
  /// then the hierarchy's root). Never throws: without a writable one,
  /// available() is false and why() says why.
  static cgroup_root detect(const std::string& name = "telclaude");

  /// A root over given directories (tests): `pids_dir`/`memory_dir` are
  /// v1 parents, or both the same v2 parent when `v2`.
  cgroup_root(std::string pids_dir, std::string memory_dir, bool v2);
  cgroup_root() = default;

  bool available() const noexcept {
    return !pids_dir_.empty() || !memory_dir_.empty();
  }
  bool counts_processes() const noexcept {
    return !pids_dir_.empty();
  }
  bool caps_memory() const noexcept {
    return !memory_dir_.empty();
  }

  /// "cgroup v1: pids /sys/fs/cgroup/pids/telclaude, memory ..." or why
  /// none is used.
  std::string describe() const;

  /// Creates the run's cgroup `<parent>/<name>` with `caps` (pids.max,
  /// memory limit); throws telclaude::user_error (`sandbox.cgroup`) when
  /// it cannot.
  std::unique_ptr<run_cgroup> create(const std::string& name,
                                     const process_caps& caps) const;

  /// Kills the processes of run cgroups a previous relay left behind and
  /// removes them (not those of relays still running on this host: the
  /// name carries the relay's pid); returns how many processes it killed.
  std::size_t sweep_leftovers() const;

private:
  std::string pids_dir_;
  std::string memory_dir_;
  bool v2_ = false;
  std::string why_;
};

} // namespace telclaude::sandbox
