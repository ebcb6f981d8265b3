#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace telclaude::testing {

/// A TCP server on 127.0.0.1 that answers every connection with
/// `greeting` and then echoes one chunk back; counts connections.
class loopback_server {
public:
  explicit loopback_server(std::string greeting)
    : greeting_(std::move(greeting)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread{[this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0)
          return;
        if (stopping_) {
          ::close(c);
          return;
        }
        ++connections_;
        (void)!::write(c, greeting_.data(), greeting_.size());
        char buf[4096];
        auto n = ::read(c, buf, sizeof buf);
        if (n > 0)
          (void)!::write(c, buf, static_cast<std::size_t>(n));
        ::close(c);
      }
    }};
  }
  ~loopback_server() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const {
    return port_;
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(port_);
  }
  int connections() const {
    return connections_;
  }

private:
  std::string greeting_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

} // namespace telclaude::testing
