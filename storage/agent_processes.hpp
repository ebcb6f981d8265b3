#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::storage {

/// One agent process the relay started (table `agent_processes`). The pid
/// alone could be reused by the time anybody looks: the boot and the
/// process's start time (/proc/<pid>/stat, clock ticks since boot) say
/// whether a live process is still this one.
struct agent_process {
  std::int64_t pid = 0;
  std::int64_t start_time = 0;
  std::string boot_id;
  /// The relay that started it.
  std::int64_t relay_pid = 0;
  std::int64_t chat_id = 0;
  long long started_ms = 0;
  /// The run's cgroup directories, ':'-separated; empty without cgroups.
  std::string cgroup;

  friend bool operator==(const agent_process&, const agent_process&)
    = default;
};

/// The agent processes running (or left behind by a relay that died).
/// Keeps a reference to `db`.
class agent_processes {
public:
  static constexpr std::string_view schema = R"sql(
    CREATE TABLE IF NOT EXISTS agent_processes (
      pid        INTEGER NOT NULL,
      start_time INTEGER NOT NULL,
      boot_id    TEXT NOT NULL,
      relay_pid  INTEGER NOT NULL,
      chat_id    INTEGER NOT NULL DEFAULT 0,
      started_ms INTEGER NOT NULL,
      cgroup     TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (pid, start_time, boot_id)
    );
  )sql";

  explicit agent_processes(database& db);

  /// Records a process (replacing a record of the same identity).
  void add(const agent_process& p);

  /// Forgets a process; false when it was not recorded.
  bool remove(std::int64_t pid, std::int64_t start_time,
              std::string_view boot_id);

  /// Every record, oldest first.
  std::vector<agent_process> all() const;

private:
  database& db_;
  statement insert_;
  statement delete_;
  mutable statement select_;
};

} // namespace telclaude::storage
