#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace telclaude::sandbox {

/// What tells one process apart from a later one with the same pid.
struct process_identity {
  pid_t pid = 0;
  /// Field 22 of /proc/<pid>/stat: clock ticks after boot.
  std::int64_t start_time = 0;
  /// /proc/sys/kernel/random/boot_id.
  std::string boot_id;
};

/// This boot's id.
std::string boot_id();

/// The identity of a live process; nullopt when there is none (or it is
/// a zombie, which can do nothing any more).
std::optional<process_identity> identify(pid_t pid);

/// Whether `recorded` is still alive as the same process (same boot, same
/// start time): a reused pid is not.
bool still_running(const process_identity& recorded);

/// Ends a recorded agent: SIGKILL to its process group (the agent leads
/// one) and to itself, when it is still the same process; waits up to
/// `wait` for it to be gone. Returns true when it was alive and signalled.
bool end_process(const process_identity& recorded,
                 std::chrono::milliseconds wait
                 = std::chrono::milliseconds{2000});

} // namespace telclaude::sandbox
