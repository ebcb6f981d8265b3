#pragma once

#include "sandbox/egress_policy.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace telclaude::sandbox {

/// The addresses of a name, or an error text in `error` (empty list).
using resolver_fn = std::function<std::vector<ip_address>(
  const std::string& host, std::string& error)>;

/// getaddrinfo(): every address of `host`.
std::vector<ip_address> system_resolve(const std::string& host,
                                       std::string& error);

/// One decision of the proxy, as logged.
struct egress_event {
  bool allowed = false;
  std::string target;  ///< host:port asked for
  std::string detail;  ///< the address used, or why it was refused
};

struct egress_proxy_options {
  /// Where the proxy listens (a Unix socket; replaced if present).
  std::string socket_path;
  std::vector<std::string> allowed_domains;
  std::vector<std::string> allow_hosts;
  resolver_fn resolve = system_resolve;
  std::chrono::milliseconds connect_timeout{10000};
  /// Called for every decision (after it is logged); may be empty.
  std::function<void(const egress_event&)> on_event;
};

/// The agent's only way out of its sandbox: an HTTP proxy on a Unix
/// socket that serves CONNECT and absolute-form plain HTTP requests. It
/// checks the name against the policy, resolves it itself, checks every
/// address and connects to the one it checked (so DNS rebinding gains
/// nothing); a refusal is a 403 with the reason, logged. One thread
/// accepts, one thread per connection relays.
class egress_proxy {
public:
  /// Binds and starts; throws telclaude::user_error `sandbox.proxy` when
  /// the socket cannot be created.
  explicit egress_proxy(egress_proxy_options options);
  ~egress_proxy();
  egress_proxy(const egress_proxy&) = delete;
  egress_proxy& operator=(const egress_proxy&) = delete;

  const std::string& socket_path() const noexcept {
    return options_.socket_path;
  }

  /// Stops accepting and ends every open connection.
  void stop();

private:
  void accept_loop();
  void serve(int client);

  egress_proxy_options options_;
  egress_policy policy_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::set<int> open_;  // client and upstream fds, shut down on stop
  int active_ = 0;
  std::atomic<bool> stopping_{false};
};

} // namespace telclaude::sandbox
