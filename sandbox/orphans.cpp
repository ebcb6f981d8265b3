#include "sandbox/orphans.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace telclaude::sandbox {

std::string boot_id() {
  std::ifstream in{"/proc/sys/kernel/random/boot_id"};
  std::string id;
  std::getline(in, id);
  return id;
}

std::optional<process_identity> identify(pid_t pid) {
  if (pid <= 0)
    return std::nullopt;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  if (!std::getline(in, stat))
    return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: the
  // fields after it start after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields{stat.substr(close + 1)};
  std::string state;
  fields >> state;  // field 3
  if (state == "Z" || state == "X")
    return std::nullopt;
  std::string skip;
  for (int field = 4; field < 22; ++field)
    fields >> skip;
  std::int64_t start = 0;
  if (!(fields >> start))
    return std::nullopt;
  return process_identity{pid, start, boot_id()};
}

bool still_running(const process_identity& recorded) {
  auto now = identify(recorded.pid);
  return now && now->start_time == recorded.start_time
         && now->boot_id == recorded.boot_id;
}

bool end_process(const process_identity& recorded,
                 std::chrono::milliseconds wait) {
  if (!still_running(recorded))
    return false;
  // The agent was started as a session (and group) leader: its group
  // holds whatever it forked that did not leave.
  ::kill(-recorded.pid, SIGKILL);
  ::kill(recorded.pid, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (still_running(recorded)
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  return true;
}

} // namespace telclaude::sandbox
