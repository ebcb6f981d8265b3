#include "totp/socket_io.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace telclaude::totp {

namespace {

/// Waits for `events` on `fd`; done when ready.
io_status wait_for(int fd, short events, deadline until, int stop_fd) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return io_status::timeout;
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    int rc = ::poll(fds, stop_fd >= 0 ? 2 : 1,
                    static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0)
      return io_status::error;
    if (stop_fd >= 0 && (fds[1].revents & POLLIN))
      return io_status::stopped;
    if (fds[0].revents != 0)
      return io_status::done;
  }
}

} // namespace

io_status send_all(int fd, std::string_view bytes, deadline until,
                   int stop_fd) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto s = wait_for(fd, POLLOUT, until, stop_fd);
      if (s != io_status::done)
        return s;
      continue;
    }
    return io_status::error;
  }
  return io_status::done;
}

io_status receive_some(int fd, std::string& out, std::size_t max,
                       deadline until, int stop_fd) {
  for (;;) {
    auto s = wait_for(fd, POLLIN, until, stop_fd);
    if (s != io_status::done)
      return s;
    char buffer[16384];
    auto n = ::recv(fd, buffer, std::min(max, sizeof buffer), 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      return io_status::done;
    }
    if (n == 0)
      return io_status::eof;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
      continue;
    return io_status::error;
  }
}

bool fits_unix_path(const std::filesystem::path& path) {
  return path.native().size() < sizeof(sockaddr_un::sun_path);
}

unique_fd::~unique_fd() {
  if (fd_ >= 0)
    ::close(fd_);
}

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

} // namespace telclaude::totp
