#include "sandbox/relay_io.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace telclaude::sandbox {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void relay_both_ways(int a, int b) {
  bool a_open = true, b_open = true;  // still reading from a / from b
  char buf[16384];
  while (a_open || b_open) {
    pollfd p[2] = {{a_open ? a : -1, POLLIN, 0}, {b_open ? b : -1, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (!p[i].revents)
        continue;
      int from = i == 0 ? a : b, to = i == 0 ? b : a;
      auto n = ::read(from, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n > 0 && write_all(to, buf, static_cast<std::size_t>(n)))
        continue;
      if (n < 0 || n > 0) {
        // An error either way ends the whole relay.
        ::shutdown(a, SHUT_RDWR);
        ::shutdown(b, SHUT_RDWR);
        return;
      }
      ::shutdown(to, SHUT_WR);
      (i == 0 ? a_open : b_open) = false;
    }
  }
}

} // namespace telclaude::sandbox
