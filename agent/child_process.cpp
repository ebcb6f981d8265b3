#include "agent/child_process.hpp"

#include "core/error.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>
#include <utility>

namespace telclaude::agent {

namespace {

constexpr std::size_t read_chunk = 64u << 10;

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

exit_status decode(int raw) {
  exit_status status;
  if (WIFEXITED(raw))
    status.code = WEXITSTATUS(raw);
  else if (WIFSIGNALED(raw))
    status.signal = WTERMSIG(raw);
  return status;
}

/// The child's side between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* path, char* const* argv,
                             char* const* envp, const char* cwd,
                             const std::vector<int>& ignored, int out_fd,
                             int err_fd, int error_fd,
                             const std::vector<resource_limit>& limits,
                             const std::vector<int>& cgroup_fds) {
  ::setsid();
  // Into the run's cgroups first, so that everything the program starts
  // is counted there; then the per-process limits.
  for (int fd : cgroup_fds)
    if (::write(fd, "0", 1) != 1) {
      int error = errno;
      [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
      ::_exit(127);
    }
  for (const auto& l : limits) {
    struct rlimit r{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (::setrlimit(l.resource, &r) != 0) {
      int error = errno;
      [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
      ::_exit(127);
    }
  }
  struct sigaction action{};
  action.sa_handler = SIG_DFL;
  for (int signo = 1; signo < NSIG; ++signo)
    ::sigaction(signo, &action, nullptr);
  action.sa_handler = SIG_IGN;
  for (int signo : ignored)
    ::sigaction(signo, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0
      || ::dup2(err_fd, 2) < 0 || (cwd != nullptr && ::chdir(cwd) != 0)) {
    int error = errno;
    [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
  }
  // Nothing of the parent's beyond stdio reaches the program.
  if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
    for (int fd = 3; fd < 4096; ++fd)
      if (fd != error_fd)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::execve(path, argv, envp);
  int error = errno;
  [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
  ::_exit(127);
}

} // namespace

std::string path_of(const std::vector<std::string>& env) {
  for (const auto& entry : env)
    if (entry.starts_with("PATH="))
      return entry.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

std::string exit_status::describe() const {
  if (signal != 0)
    return "signal " + std::to_string(signal) + " (" + ::strsignal(signal)
           + ")";
  return "exit code " + std::to_string(code);
}

std::optional<std::string> find_executable(std::string_view name,
                                           std::string_view path_list) {
  if (name.empty())
    return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::string path{name};
    if (::access(path.c_str(), X_OK) == 0)
      return path;
    return std::nullopt;
  }
  while (true) {
    auto end = path_list.find(':');
    auto dir = path_list.substr(0, end);
    if (!dir.empty()) {
      std::string path = std::string{dir} + "/" + std::string{name};
      if (::access(path.c_str(), X_OK) == 0)
        return path;
    }
    if (end == std::string_view::npos)
      return std::nullopt;
    path_list.remove_prefix(end + 1);
  }
}

child_process::child_process(spawn_options options)
  : options_(std::move(options)) {
  if (options_.argv.empty())
    throw user_error("agent.spawn_failed", "cannot start a process: no "
                                           "command given");
  const std::string& name = options_.argv.front();
  auto path = find_executable(name, path_of(options_.env));
  if (!path)
    throw user_error("agent.spawn_failed",
                     "cannot start '" + name
                       + "': no such executable (check the path and PATH)");
  std::vector<char*> argv;
  for (auto& arg : options_.argv)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : options_.env)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  const char* cwd = options_.cwd.empty() ? nullptr : options_.cwd.c_str();

  // Opened here (fork to exec may only use async-signal-safe calls).
  std::vector<int> cgroup_fds;
  struct close_all {
    std::vector<int>& fds;
    ~close_all() {
      for (int fd : fds)
        ::close(fd);
    }
  } close_cgroup_fds{cgroup_fds};
  for (const auto& procs : options_.cgroup_procs) {
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      throw user_error("agent.spawn_failed",
                       "cannot start '" + name + "': cannot join the cgroup "
                         + procs + ": " + std::strerror(errno));
    cgroup_fds.push_back(fd);
  }

  int out[2];
  int err[2];
  int error_pipe[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(wake_fds_, O_CLOEXEC) != 0
      || ::pipe2(error_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    for (int fd : {out[0], out[1], err[0], err[1], wake_fds_[0], wake_fds_[1]})
      if (fd >= 0)
        ::close(fd);
    throw std::system_error(error, std::generic_category(), "pipe2");
  }
  pid_ = ::fork();
  if (pid_ == 0)
    exec_child(path->c_str(), argv.data(), envp.data(), cwd,
               options_.ignored_signals, out[1], err[1], error_pipe[1],
               options_.limits, cgroup_fds);
  int fork_error = errno;
  ::close(out[1]);
  ::close(err[1]);
  ::close(error_pipe[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  int exec_error = 0;
  ssize_t got = -1;
  if (pid_ > 0)
    do
      got = ::read(error_pipe[0], &exec_error, sizeof exec_error);
    while (got < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (pid_ < 0 || got > 0) {
    int error = pid_ < 0 ? fork_error : exec_error;
    if (pid_ > 0)
      ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    close_fd(wake_fds_[0]);
    close_fd(wake_fds_[1]);
    throw user_error("agent.spawn_failed",
                     "cannot start '" + name + "' (" + *path
                       + "): " + std::strerror(error)
                       + (cwd ? std::string{" in "} + cwd : std::string{}));
  }
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  stderr_reader_ = std::thread{[this] { drain_stderr(); }};
}

child_process::~child_process() {
  if (pid_ > 0) {
    bool running;
    {
      std::lock_guard lock{mutex_};
      running = !status_.has_value();
    }
    if (running) {
      ::kill(-pid_, SIGKILL);
      wait();
    }
  }
  if (stderr_reader_.joinable()) {
    [[maybe_unused]] auto n = ::write(wake_fds_[1], "x", 1);
    stderr_reader_.join();
  }
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(pidfd_);
  close_fd(wake_fds_[0]);
  close_fd(wake_fds_[1]);
}

std::optional<std::string> child_process::read_line() {
  while (true) {
    auto newline = line_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = line_buffer_.substr(0, newline);
      line_buffer_.erase(0, newline + 1);
      if (!discarding_)
        return line;
      discarding_ = false;
      continue;
    }
    if (line_buffer_.size() > options_.max_line_bytes && !discarding_) {
      // Hand out the cut line now; drop the rest of it as it arrives.
      std::string line = line_buffer_.substr(0, options_.max_line_bytes);
      line_buffer_.clear();
      ++truncated_lines_;
      discarding_ = true;
      return line;
    }
    if (discarding_)
      line_buffer_.clear();
    if (stdout_eof_) {
      if (line_buffer_.empty())
        return std::nullopt;
      return std::exchange(line_buffer_, {});
    }
    char chunk[read_chunk];
    ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      stdout_eof_ = true;
    else
      line_buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

bool child_process::signal(int signo) {
  std::lock_guard lock{mutex_};
  if (status_ || pid_ <= 0)
    return false;
  return ::kill(-pid_, signo) == 0;
}

std::optional<exit_status> child_process::reap(bool block) {
  if (block) {
    // Wait without reaping, so that the pid stays ours while signal()
    // may still use it; reap under the lock below.
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT)
             != 0
           && errno == EINTR) {
    }
  }
  std::lock_guard lock{mutex_};
  if (status_)
    return status_;
  int raw = 0;
  pid_t got = ::waitpid(pid_, &raw, WNOHANG);
  if (got == pid_)
    status_ = decode(raw);
  return status_;
}

std::optional<exit_status> child_process::try_wait() {
  return reap(false);
}

exit_status child_process::wait() {
  while (true)
    if (auto status = reap(true))
      return *status;
}

std::optional<exit_status>
child_process::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto status = reap(false))
      return status;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd ready{pidfd_, POLLIN, 0};
      ::poll(&ready, 1, static_cast<int>(left.count()) + 1);
    } else {
      std::this_thread::sleep_for(
        std::min(left, std::chrono::milliseconds{5}));
    }
  }
}

std::string child_process::stderr_tail() const {
  std::unique_lock lock{mutex_};
  // Once the child has exited, what it wrote last may still be in the pipe:
  // let the reader reach end of file, but not forever (a grandchild can
  // hold the pipe open).
  if (status_)
    stderr_done_cv_.wait_for(lock, std::chrono::milliseconds{500},
                             [this] { return stderr_done_; });
  auto limit = options_.stderr_tail_bytes;
  if (stderr_tail_.size() <= limit)
    return stderr_tail_;
  return stderr_tail_.substr(stderr_tail_.size() - limit);
}

void child_process::drain_stderr() {
  struct mark_done {
    child_process& self;
    ~mark_done() {
      {
        std::lock_guard lock{self.mutex_};
        self.stderr_done_ = true;
      }
      self.stderr_done_cv_.notify_all();
    }
  } done{*this};
  char chunk[4096];
  while (true) {
    pollfd fds[2] = {{stderr_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents != 0)
      return;
    ssize_t got = ::read(stderr_fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return;
    std::lock_guard lock{mutex_};
    stderr_tail_.append(chunk, static_cast<std::size_t>(got));
    // Trim in batches so the copy is amortised.
    if (stderr_tail_.size() > 2 * options_.stderr_tail_bytes)
      stderr_tail_.erase(0, stderr_tail_.size()
                              - options_.stderr_tail_bytes);
  }
}

} // namespace telclaude::agent
