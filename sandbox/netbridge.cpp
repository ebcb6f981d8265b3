#include "sandbox/netbridge.hpp"

#include "sandbox/egress_policy.hpp"
#include "sandbox/relay_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

extern char** environ;

namespace telclaude::sandbox::netbridge {

arguments parse_args(const std::vector<std::string>& args) {
  arguments out;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if ((a == "--socket" || a == "--forward") && i + 1 < args.size()) {
      const auto& value = args[++i];
      if (a == "--socket") {
        out.socket = value;
        continue;
      }
      auto hp = parse_host_port(value);
      auto addr = hp ? ip_address::parse(hp->host) : std::nullopt;
      if (!addr || classify(*addr) != address_kind::loopback) {
        out.error = "--forward " + value
                  + ": expected a loopback address and port such as "
                    "127.0.0.1:8080";
        return out;
      }
      out.forwards.push_back(value);
      continue;
    }
    out.error = "unexpected argument \"" + a
              + "\"; usage: telclaude-netbridge --socket PATH "
                "[--forward HOST:PORT]... -- PROGRAM ARGS...";
    return out;
  }
  out.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i),
                     args.end());
  if (out.socket.empty())
    out.error = "--socket PATH is required";
  else if (out.command.empty())
    out.error = "no program to run after --";
  return out;
}

std::vector<std::string> wrap(const std::vector<std::string>& forwards,
                              const std::vector<std::string>& command) {
  std::vector<std::string> out{inside_path, "--socket", inside_socket};
  for (const auto& f : forwards) {
    out.emplace_back("--forward");
    out.push_back(f);
  }
  out.emplace_back("--");
  out.insert(out.end(), command.begin(), command.end());
  return out;
}

int connect_unix(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path)
    return -1;
  std::strcpy(sa.sun_path, path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0
      && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int proxy_connect(int fd, const std::string& target, std::string* why) {
  auto request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target
               + "\r\n\r\n";
  if (!write_all(fd, request.data(), request.size()))
    return 0;
  // Byte by byte: nothing of the tunnelled stream may be consumed.
  std::string head;
  char c = 0;
  while (head.size() < 8192 && !head.ends_with("\r\n\r\n")) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0 || ::read(fd, &c, 1) != 1)
      break;
    head += c;
  }
  if (!head.starts_with("HTTP/1.") || head.size() < 12)
    return 0;
  int status = std::atoi(head.c_str() + 9);
  if (why && status != 200) {
    *why = head.substr(13, head.find("\r\n") - 13);
    char buf[1024];
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) > 0) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n > 0)
        *why = std::string{buf, static_cast<std::size_t>(n)};
    }
    while (!why->empty() && why->back() == '\n')
      why->pop_back();
  }
  return status;
}

namespace {

struct checker {
  int failures = 0;
  void line(const char* tag, const std::string& what) {
    std::cout << tag << " " << what << std::endl;
    if (std::string_view{tag} == "FAIL")
      ++failures;
  }
};

/// A TCP connection to the proxy named in HTTPS_PROXY, or -1.
int connect_proxy() {
  const char* url = std::getenv("HTTPS_PROXY");
  if (!url || !std::string_view{url}.starts_with("http://"))
    return -1;
  auto hp = parse_host_port(std::string_view{url}.substr(7));
  auto addr = hp ? ip_address::parse(hp->host) : std::nullopt;
  if (!addr || addr->v6)
    return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(hp->port);
  std::memcpy(&sa.sin_addr, addr->bytes.data(), 4);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void check_network(checker& c) {
  std::ifstream dev{"/proc/net/dev"};
  std::string line, others;
  for (int n = 0; std::getline(dev, line); ++n) {
    if (n < 2)
      continue;
    auto name = line.substr(0, line.find(':'));
    name.erase(0, name.find_first_not_of(' '));
    if (name != "lo")
      others += " " + name;
  }
  c.line(others.empty() ? "ok" : "FAIL",
         others.empty() ? "network: only loopback inside"
                        : "network: interfaces besides lo:" + others);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(443);
  sa.sin_addr.s_addr = htonl(0x01010101);  // 1.1.1.1
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  bool reached = rc == 0;
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int so = 1;
    socklen_t len = sizeof so;
    if (::poll(&p, 1, 3000) > 0)
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len);
    reached = so == 0;
  }
  ::close(fd);
  c.line(reached ? "FAIL" : "ok",
         reached ? "network: a direct connection to 1.1.1.1:443 worked"
                 : "network: no direct route out (1.1.1.1:443 unreachable)");
}

} // namespace

int run_check(const std::vector<std::string>& args) {
  checker c;
  std::vector<std::string> refuse, reach;
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
    const auto& flag = args[i];
    const auto& value = args[i + 1];
    if (flag == "--hidden") {
      struct stat st {};
      bool visible = ::lstat(value.c_str(), &st) == 0;
      c.line(visible ? "FAIL" : "ok",
             (visible ? "visible: " : "hidden: ") + value);
    } else if (flag == "--refuse") {
      refuse.push_back(value);
    } else if (flag == "--reach") {
      reach.push_back(value);
    } else {
      c.line("FAIL", "unknown check argument " + flag);
    }
  }
  std::string leaked;
  for (char** e = environ; *e; ++e) {
    std::string_view entry{*e};
    auto name = entry.substr(0, entry.find('='));
    for (std::string_view prefix : {"TELEGRAM_", "TELCLAUDE_", "TOTP_"})
      if (name.starts_with(prefix))
        leaked += " " + std::string{name};
  }
  c.line(leaked.empty() ? "ok" : "FAIL",
         leaked.empty() ? "environment: none of the relay's secrets"
                        : "environment: the relay's names inside:" + leaked);
  check_network(c);
  auto ask = [&](const std::string& target, bool want_open) {
    int fd = connect_proxy();
    if (fd < 0) {
      c.line("FAIL", "proxy: cannot reach the egress proxy through the "
                     "bridge (HTTPS_PROXY)");
      return;
    }
    std::string why;
    int status = proxy_connect(fd, target, &why);
    ::close(fd);
    if (want_open && status == 200)
      c.line("ok", "proxy: " + target + " reachable");
    else if (want_open && status == 502)
      c.line("info", "proxy: " + target + " allowed, but no network: " + why);
    else if (!want_open && status == 403)
      c.line("ok", "proxy: " + target + " refused (" + why + ")");
    else
      c.line("FAIL", "proxy: " + target + " answered "
                       + std::to_string(status) + " " + why);
  };
  for (const auto& t : refuse)
    ask(t, false);
  for (const auto& t : reach)
    ask(t, true);
  return c.failures == 0 ? 0 : 1;
}

} // namespace telclaude::sandbox::netbridge
