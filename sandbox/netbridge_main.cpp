// telclaude-netbridge: runs inside the agent's sandbox (no network but
// loopback). Listens on a loopback port for HTTP proxy clients and on
// fixed loopback ports for `--forward`, relays each connection to the
// relay's egress proxy over a Unix socket, and runs the agent with
// HTTPS_PROXY/HTTP_PROXY pointing at it; exits as the agent did. No CAF:
// it is mounted read-only into every sandbox. See docs/sandbox.md.
#include "sandbox/egress_policy.hpp"
#include "sandbox/netbridge.hpp"
#include "sandbox/relay_io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace nb = telclaude::sandbox::netbridge;
using telclaude::sandbox::relay_both_ways;
using telclaude::sandbox::write_all;

namespace {

struct listener {
  int fd = -1;
  std::string forward_to;  ///< host:port, empty for the proxy port
};

pid_t agent_pid = -1;

void pass_on(int sig) {
  if (agent_pid > 0)
    ::kill(agent_pid, sig);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "telclaude-netbridge: %s\n", what.c_str());
  std::_Exit(nb::setup_failed);
}

/// A loopback listener on `port` (0: any), v6 when `v6`.
int listen_on(std::uint16_t port, bool v6) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = -1;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (fd < 0 || rc != 0 || ::listen(fd, 64) != 0)
    die("cannot listen on loopback port " + std::to_string(port) + ": "
        + std::strerror(errno));
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

void serve(int client, std::string socket_path, std::string forward_to) {
  int up = nb::connect_unix(socket_path);
  if (up >= 0 && !forward_to.empty()) {
    auto status = nb::proxy_connect(up, forward_to);
    if (status != 200) {
      ::close(up);
      up = -1;
    }
  }
  if (up >= 0) {
    relay_both_ways(client, up);
    ::close(up);
  }
  ::close(client);
}

void accept_loop(std::vector<listener> listeners, std::string socket_path) {
  std::vector<pollfd> polls;
  for (const auto& l : listeners)
    polls.push_back({l.fd, POLLIN, 0});
  for (;;) {
    if (::poll(polls.data(), polls.size(), -1) < 0)
      continue;
    for (std::size_t i = 0; i < polls.size(); ++i) {
      if (!polls[i].revents)
        continue;
      int client = ::accept4(polls[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0)
        std::thread{serve, client, socket_path, listeners[i].forward_to}
          .detach();
    }
  }
}

/// Waits for the agent and ends this process the same way.
[[noreturn]] void exit_like_agent() {
  int status = 0;
  while (::waitpid(agent_pid, &status, 0) < 0)
    if (errno != EINTR)
      die(std::string{"waitpid: "} + std::strerror(errno));
  if (WIFEXITED(status))
    std::_Exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  std::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  std::_Exit(128 + sig);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--check")
    return nb::run_check(args);
  auto parsed = nb::parse_args(args);
  if (!parsed.error.empty())
    die(parsed.error);

  std::vector<listener> listeners;
  listeners.push_back({listen_on(0, false), {}});
  for (const auto& f : parsed.forwards) {
    auto hp = telclaude::sandbox::parse_host_port(f);
    bool v6 = hp->host.find(':') != std::string::npos;
    listeners.push_back({listen_on(hp->port, v6), f});
  }
  auto proxy = "http://127.0.0.1:" + std::to_string(port_of(listeners[0].fd));
  for (const char* name : {"HTTPS_PROXY", "HTTP_PROXY", "https_proxy",
                           "http_proxy"})
    ::setenv(name, proxy.c_str(), 1);
  // Forwarded loopback addresses are reached directly (the forward
  // listens there); everything else goes through the proxy.
  for (const char* name : {"NO_PROXY", "no_proxy"})
    ::setenv(name, "localhost,127.0.0.1,::1", 1);

  agent_pid = ::fork();
  if (agent_pid < 0)
    die(std::string{"fork: "} + std::strerror(errno));
  if (agent_pid == 0) {
    for (const auto& l : listeners)
      ::close(l.fd);
    std::vector<char*> cargv;
    for (auto& a : parsed.command)
      cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "telclaude-netbridge: cannot run %s: %s\n", cargv[0],
                 std::strerror(errno));
    std::_Exit(127);
  }
  // A SIGINT to the process group reaches the agent directly; the bridge
  // stays to report its exit. SIGTERM and SIGHUP are passed on.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, pass_on);
  std::signal(SIGHUP, pass_on);
  std::thread{accept_loop, std::move(listeners), parsed.socket}.detach();
  exit_like_agent();
}
