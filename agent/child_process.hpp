#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace telclaude::agent {

/// One resource limit applied to the child before exec (setrlimit).
struct resource_limit {
  int resource = 0;  ///< RLIMIT_AS, RLIMIT_NPROC, ...
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

/// What to start and with exactly what environment.
struct spawn_options {
  /// argv[0] is a path, or a name looked up in the PATH of `env`.
  std::vector<std::string> argv;
  /// The child's whole environment, NAME=VALUE; nothing is inherited.
  std::vector<std::string> env;
  /// Working directory; empty keeps the caller's.
  std::string cwd;
  /// Signals the child starts with ignored (an ignored disposition survives
  /// exec); every other signal starts with its default action, unblocked.
  std::vector<int> ignored_signals;
  /// Longer stdout lines are cut to this size (the rest is dropped).
  std::size_t max_line_bytes = 8u << 20;
  /// How much of the end of stderr is kept for diagnostics.
  std::size_t stderr_tail_bytes = 16u << 10;
  /// Applied in the child before exec; one that cannot be set fails the
  /// start (fail closed).
  std::vector<resource_limit> limits;
  /// `cgroup.procs` files the child moves itself into before exec (one
  /// per hierarchy); one that refuses it fails the start.
  std::vector<std::string> cgroup_procs;
};

/// How a child ended.
struct exit_status {
  int code = -1;   ///< Exit code, or -1 when a signal ended it.
  int signal = 0;  ///< The signal that ended it, or 0.

  bool success() const noexcept {
    return signal == 0 && code == 0;
  }
  /// "exit code 1" or "signal 9 (Killed)".
  std::string describe() const;
};

/// The PATH entry of an environment (NAME=VALUE entries), or the usual
/// system default when it has none.
std::string path_of(const std::vector<std::string>& env);

/// The full path of the executable `name` (a name without '/' is looked up
/// in the ':'-separated `path_list`), or nullopt when there is none.
std::optional<std::string> find_executable(std::string_view name,
                                           std::string_view path_list);

/// One child process: started with an explicit argv, environment and
/// working directory, stdin from /dev/null, stdout read line by line,
/// stderr kept as a bounded tail, in a session (and process group) of its
/// own with no controlling terminal. One thread may read lines while
/// another signals or waits. The destructor kills a child that still runs
/// (SIGKILL to its process group) and reaps it: no zombie, no leftover.
class child_process {
public:
  /// Starts the child; throws telclaude::user_error (`agent.spawn_failed`)
  /// when it cannot be started (no such executable, bad cwd, ...).
  explicit child_process(spawn_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The child's pid, which is also its process group and session id.
  pid_t pid() const noexcept {
    return pid_;
  }

  /// The next stdout line without its newline; blocks; nullopt at EOF.
  /// Not to be called from two threads at once.
  std::optional<std::string> read_line();

  /// How many lines read_line() had to cut to max_line_bytes.
  std::size_t truncated_lines() const noexcept {
    return truncated_lines_;
  }

  /// Sends `signo` to the child's process group; false once it was reaped.
  bool signal(int signo);

  /// The exit status if the child has ended (reaping it), else nullopt.
  std::optional<exit_status> try_wait();

  /// Blocks until the child ends.
  exit_status wait();

  /// Waits at most `timeout` for the child to end.
  std::optional<exit_status> wait_for(std::chrono::milliseconds timeout);

  /// The last stderr bytes (at most stderr_tail_bytes). After the child
  /// exited, waits up to 500 ms for the rest of its stderr.
  std::string stderr_tail() const;

private:
  std::optional<exit_status> reap(bool block);
  void drain_stderr();

  spawn_options options_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int pidfd_ = -1;
  int wake_fds_[2] = {-1, -1};

  std::string line_buffer_;
  bool stdout_eof_ = false;
  bool discarding_ = false;  ///< Dropping the rest of a cut line.
  std::size_t truncated_lines_ = 0;

  mutable std::mutex mutex_;
  std::optional<exit_status> status_;
  std::string stderr_tail_;
  /// The stderr reader reached end of file (or stopped).
  bool stderr_done_ = false;
  mutable std::condition_variable stderr_done_cv_;
  std::thread stderr_reader_;
};

} // namespace telclaude::agent
