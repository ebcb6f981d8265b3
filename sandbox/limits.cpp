#include "sandbox/limits.hpp"

#include <sys/resource.h>

#include <csignal>

namespace telclaude::sandbox {

std::vector<agent::resource_limit> rlimits_for(const process_caps& caps) {
  std::vector<agent::resource_limit> out;
  auto both = [&out](int resource, std::uint64_t value) {
    out.push_back({resource, value, value});
  };
  if (caps.address_space_mb > 0)
    both(RLIMIT_AS, static_cast<std::uint64_t>(caps.address_space_mb) << 20);
  if (caps.processes > 0)
    both(RLIMIT_NPROC, static_cast<std::uint64_t>(caps.processes));
  if (caps.open_files > 0)
    both(RLIMIT_NOFILE, static_cast<std::uint64_t>(caps.open_files));
  if (caps.cpu_seconds > 0)
    out.push_back({RLIMIT_CPU, static_cast<std::uint64_t>(caps.cpu_seconds),
                   static_cast<std::uint64_t>(caps.cpu_seconds)
                     + cpu_grace_seconds});
  // No core files: a crashed agent must not leave its memory on disk.
  both(RLIMIT_CORE, 0);
  return out;
}

cap_hit classify(const run_evidence& e) {
  int signo = e.exit_signal != 0           ? e.exit_signal
              : e.exit_code > 128          ? e.exit_code - 128
                                           : 0;
  if (signo == SIGXCPU)
    return cap_hit::cpu;
  if (e.oom_kills > 0)
    return cap_hit::memory;
  bool failed = e.exit_signal != 0 || e.exit_code != 0;
  if (e.fork_refusals > 0 && failed)
    return cap_hit::processes;
  return cap_hit::none;
}

std::string cap_notice(cap_hit hit, const process_caps& caps) {
  switch (hit) {
  case cap_hit::none:
    return {};
  case cap_hit::cpu:
    return "🛑 The agent was stopped: it used more than "
           + std::to_string(caps.cpu_seconds)
           + " s of CPU time, the limit of one run. Send a smaller task, or "
             "/new to start over.";
  case cap_hit::memory:
    return "🛑 The agent was stopped: it used more than "
           + std::to_string(caps.sandbox_memory_mb)
           + " MiB of memory, the limit of one run. Send a smaller task, or "
             "/new to start over.";
  case cap_hit::processes:
    return "🛑 The agent was stopped: it tried to start more than "
           + std::to_string(caps.processes)
           + " processes, the limit of one run. Send a smaller task, or "
             "/new to start over.";
  }
  return {};
}

std::string describe(const process_caps& caps) {
  auto value = [](std::int64_t v, const char* unit) {
    return v > 0 ? std::to_string(v) + unit : std::string{"no cap"};
  };
  return "address space " + value(caps.address_space_mb, " MiB")
         + ", sandbox memory " + value(caps.sandbox_memory_mb, " MiB")
         + ", processes " + value(caps.processes, "")
         + ", open files " + value(caps.open_files, "")
         + ", CPU " + value(caps.cpu_seconds, " s");
}

} // namespace telclaude::sandbox
