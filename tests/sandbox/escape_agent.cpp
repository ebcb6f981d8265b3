// telclaude-escape-agent: the escape battery's agent. Runs inside the
// sandbox the relay builds and tries what a prompt-injected agent would.
// Each argument is one attempt `NAME|KIND|ARG[|ARG2]`; it prints
// `BLOCKED NAME: why` or `ESCAPE NAME: what` for attempts that must
// fail, `OK NAME` or `FAIL NAME: why` for things that must work.
//   read PATH          open and read a byte (escape when it works)
//   grep PATH NEEDLE   read the file (escape when NEEDLE is in it)
//   write PATH         create/truncate and write (escape when it works)
//   env NAME           the variable (escape when set)
//   connect HOST PORT  direct TCP connection (escape when it connects)
//   proxy TARGET       CONNECT through HTTPS_PROXY (escape on 200)
//   can-write PATH     must work
//   can-proxy TARGET   CONNECT must give 200 and the peer's greeting
//   can-connect HOST PORT  direct connection must work (a forward)
// or `--await-sigint` (see main).
#include "sandbox/egress_policy.hpp"
#include "sandbox/netbridge.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace nb = telclaude::sandbox::netbridge;
using telclaude::sandbox::ip_address;
using telclaude::sandbox::parse_host_port;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto bar = s.find('|', start);
    out.push_back(s.substr(start, bar - start));
    if (bar == std::string::npos)
      return out;
    start = bar + 1;
  }
}

std::string error_text() {
  return std::strerror(errno);
}

/// -1 and errno, or a connected socket (5 s at most).
int tcp_connect(const std::string& host, int port) {
  auto addr = ip_address::parse(host);
  if (!addr) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (addr->v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&s6->sin6_addr, addr->bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&s4->sin_addr, addr->bytes.data(), 4);
    len = sizeof *s4;
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 5000) <= 0) {
      ::close(fd);
      errno = ETIMEDOUT;
      return -1;
    }
    int so = 0;
    socklen_t so_len = sizeof so;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &so_len);
    rc = so == 0 ? 0 : -1;
    errno = so;
  }
  if (rc != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  ::fcntl(fd, F_SETFL, 0);
  return fd;
}

int proxy_fd() {
  const char* url = std::getenv("HTTPS_PROXY");
  if (!url || std::string_view{url}.substr(0, 7) != "http://")
    return -1;
  auto hp = parse_host_port(std::string_view{url}.substr(7));
  return hp ? tcp_connect(hp->host, hp->port) : -1;
}

std::string read_some(int fd) {
  char buf[256];
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) <= 0)
    return {};
  auto n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string{buf, static_cast<std::size_t>(n)} : "";
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r')
      c = ' ';
  return s;
}

/// true: the attempt got through; `detail` says what happened.
bool attempt(const std::vector<std::string>& a, std::string& detail) {
  const auto& kind = a[1];
  const auto& arg = a.size() > 2 ? a[2] : std::string{};
  if (kind == "read" || kind == "grep") {
    int fd = ::open(arg.c_str(), O_RDONLY);
    if (fd < 0) {
      detail = arg + ": " + error_text();
      return false;
    }
    std::string content;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
      content.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (kind == "grep") {
      bool found = a.size() > 3 && content.find(a[3]) != std::string::npos;
      detail = arg + (found ? ": holds the canary" : ": no canary in it");
      return found;
    }
    detail = arg + ": read " + std::to_string(content.size()) + " bytes";
    return true;
  }
  if (kind == "write" || kind == "can-write") {
    int fd = ::open(arg.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      detail = arg + ": " + error_text();
      return false;
    }
    bool wrote = ::write(fd, "pwned\n", 6) == 6;
    ::close(fd);
    detail = arg + (wrote ? ": written" : ": opened, write failed");
    return wrote;
  }
  if (kind == "env") {
    const char* v = std::getenv(arg.c_str());
    detail = v ? arg + " is set" : arg + " is not set";
    return v != nullptr;
  }
  if ((kind == "connect" || kind == "can-connect") && a.size() > 3) {
    int fd = tcp_connect(arg, std::atoi(a[3].c_str()));
    if (fd < 0) {
      detail = arg + ":" + a[3] + ": " + error_text();
      return false;
    }
    auto greeting = read_some(fd);
    ::close(fd);
    detail = arg + ":" + a[3] + ": connected, got \"" + one_line(greeting)
           + "\"";
    return kind == "connect" || !greeting.empty();
  }
  if (kind == "proxy" || kind == "can-proxy") {
    int fd = proxy_fd();
    if (fd < 0) {
      detail = "no proxy reachable through HTTPS_PROXY";
      return false;
    }
    std::string why;
    int status = nb::proxy_connect(fd, arg, &why);
    std::string greeting = status == 200 ? read_some(fd) : "";
    ::close(fd);
    detail = arg + ": " + std::to_string(status) + " " + why
           + one_line(greeting);
    return status == 200 && (kind == "proxy" || !greeting.empty());
  }
  // Malformed: an attempt counts as an escape, a wanted check fails.
  detail = "malformed attempt " + kind;
  return kind.substr(0, 4) != "can-";
}

void on_sigint(int) {
  std::_Exit(42);
}

} // namespace

int main(int argc, char** argv) {
  // `--await-sigint`: exits 42 on SIGINT (as Claude Code ends a turn on
  // it), after printing "ready"; 1 if none comes within 60 s.
  if (argc == 2 && std::string_view{argv[1]} == "--await-sigint") {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    ::sigaction(SIGINT, &sa, nullptr);
    std::cout << "ready" << std::endl;
    ::sleep(60);
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    auto a = split(argv[i]);
    if (a.size() < 2)
      continue;
    std::string detail;
    bool through = attempt(a, detail);
    bool wanted = a[1].substr(0, 4) == "can-";
    const char* tag = wanted ? (through ? "OK" : "FAIL")
                             : (through ? "ESCAPE" : "BLOCKED");
    std::cout << tag << " " << a[0] << ": " << detail << std::endl;
  }
  return 0;
}
