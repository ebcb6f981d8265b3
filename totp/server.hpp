#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "totp/socket_io.hpp"

namespace telclaude::totp {

/// Where and how the daemon listens.
struct server_options {
  std::filesystem::path socket_path;
  /// Each request must arrive whole within this time (counted from the
  /// connection or the previous answer); a slower client is disconnected.
  std::chrono::milliseconds read_deadline{5000};
  /// Connections served at once; more are answered `internal` and closed.
  std::size_t max_connections = 32;
};

/// Turns one request body into one answer body (both JSON). Called from
/// connection threads concurrently; an exception becomes `internal`.
using frame_handler = std::function<std::string(std::string_view body)>;

/// The Unix socket server: an accept thread and one thread per connection
/// (up to a cap), each reading frames with a deadline, so a slow or
/// malicious client holds only its own thread. Framing errors are answered
/// and the connection closed; the handler sees whole frames only.
class socket_server {
public:
  /// Binds the socket (mode 0600) and starts accepting. The socket's
  /// directory must exist, belong to this user and have mode 0700. A stale
  /// socket file is replaced. Throws telclaude::user_error:
  /// `totp.running` when a daemon already answers there, `totp.socket`
  /// for any other reason the socket cannot be created.
  socket_server(server_options options, frame_handler handler);

  /// stop().
  ~socket_server();
  socket_server(const socket_server&) = delete;
  socket_server& operator=(const socket_server&) = delete;

  /// Closes every connection, waits for their threads and removes the
  /// socket file. Idempotent.
  void stop();

private:
  struct connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void serve(int fd);
  void reap(bool all);

  server_options options_;
  frame_handler handler_;
  unique_fd listener_;
  unique_fd stop_read_;
  unique_fd stop_write_;
  ino_t socket_inode_ = 0;
  bool stopped_ = false;
  std::list<connection> connections_;
  std::thread acceptor_;
};

} // namespace telclaude::totp
