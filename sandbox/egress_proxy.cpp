#include "sandbox/egress_proxy.hpp"

#include "core/error.hpp"
#include "sandbox/relay_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace telclaude::sandbox {

namespace {

constexpr std::size_t max_head = 16 * 1024;
constexpr int head_timeout_ms = 30000;
constexpr int max_connections = 256;

/// Reads until the blank line ending the request head; `rest` gets what
/// came after it. False on EOF, timeout or an oversized head.
bool read_head(int fd, std::string& head, std::string& rest) {
  std::string buf;
  char chunk[4096];
  while (buf.size() < max_head) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, head_timeout_ms) <= 0)
      return false;
    auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0)
      return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buf.substr(0, end + 2);
      rest = buf.substr(end + 4);
      return true;
    }
  }
  return false;
}

void reply(int fd, int code, std::string_view status, const std::string& why) {
  std::string body = "telclaude egress proxy: " + why + "\n";
  std::string text = "HTTP/1.1 " + std::to_string(code) + " "
                   + std::string{status} + "\r\nContent-Type: text/plain\r\n"
                   + "Content-Length: " + std::to_string(body.size())
                   + "\r\nConnection: close\r\n\r\n" + body;
  write_all(fd, text.data(), text.size());
}

/// Connects to `addr:port` within `timeout`; -1 and `error` on failure.
int connect_to(const ip_address& addr, std::uint16_t port,
               std::chrono::milliseconds timeout, std::string& error) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (addr.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, addr.bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, addr.bytes.data(), 4);
    len = sizeof *s4;
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0) {
      error = "connect timed out";
      ::close(fd);
      return -1;
    }
    int so = 0;
    socklen_t so_len = sizeof so;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &so_len);
    rc = so == 0 ? 0 : -1;
    errno = so;
  }
  if (rc != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

/// The request head with an absolute-form target rewritten to origin
/// form and the proxy's own headers dropped; empty when malformed.
std::string origin_form(const std::string& head, const std::string& method,
                        const std::string& path, const std::string& version) {
  std::string out = method + " " + path + " " + version + "\r\n";
  auto pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos)
      break;
    auto line = head.substr(pos, end - pos);
    pos = end + 2;
    std::string name = line.substr(0, line.find(':'));
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "proxy-connection" || name == "proxy-authorization"
        || name == "connection" || name == "keep-alive")
      continue;
    out += line + "\r\n";
  }
  // One request per upstream connection: the next one is checked anew.
  return out + "Connection: close\r\n\r\n";
}

} // namespace

std::vector<ip_address> system_resolve(const std::string& host,
                                       std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  std::vector<ip_address> out;
  if (rc != 0) {
    error = ::gai_strerror(rc);
    return out;
  }
  for (auto* ai = list; ai; ai = ai->ai_next) {
    ip_address a;
    if (ai->ai_family == AF_INET) {
      auto* s4 = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      std::memcpy(a.bytes.data(), &s4->sin_addr, 4);
    } else if (ai->ai_family == AF_INET6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      a.v6 = true;
      std::memcpy(a.bytes.data(), &s6->sin6_addr, 16);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), a) == out.end())
      out.push_back(a);
  }
  ::freeaddrinfo(list);
  return out;
}

egress_proxy::egress_proxy(egress_proxy_options options)
  : options_(std::move(options)),
    policy_(options_.allowed_domains, options_.allow_hosts) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (options_.socket_path.size() >= sizeof sa.sun_path)
    throw user_error("sandbox.proxy",
                     "the egress proxy socket path " + options_.socket_path
                       + " is too long for a Unix socket; use a shorter "
                         "TELCLAUDE_DATA_DIR");
  std::strcpy(sa.sun_path, options_.socket_path.c_str());
  ::unlink(options_.socket_path.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0
      || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0
      || ::listen(listen_fd_, 64) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
    auto why = std::string{std::strerror(errno)};
    if (listen_fd_ >= 0)
      ::close(listen_fd_);
    throw user_error("sandbox.proxy",
                     "cannot create the egress proxy socket "
                       + options_.socket_path + ": " + why
                       + "; check the data dir's owner and permissions");
  }
  ::chmod(options_.socket_path.c_str(), 0600);
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

egress_proxy::~egress_proxy() {
  stop();
}

void egress_proxy::stop() {
  if (stopping_.exchange(true))
    return;
  char x = 0;
  (void)!::write(wake_[1], &x, 1);
  if (acceptor_.joinable())
    acceptor_.join();
  std::unique_lock lock{mutex_};
  for (int fd : open_)
    ::shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [this] { return active_ == 0; });
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::unlink(options_.socket_path.c_str());
}

void egress_proxy::accept_loop() {
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (p[1].revents || stopping_)
      break;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0)
      continue;
    std::lock_guard lock{mutex_};
    if (active_ >= max_connections) {
      // One thread per connection: an agent opening connections without
      // end gets refused rather than the relay running out of threads.
      spdlog::warn("egress: {} connections open; refusing another",
                   active_);
      reply(client, 503, "Service Unavailable",
            "too many connections through the proxy");
      ::close(client);
      continue;
    }
    ++active_;
    open_.insert(client);
    std::thread{[this, client] {
      serve(client);
      std::lock_guard done{mutex_};
      open_.erase(client);
      ::close(client);
      if (--active_ == 0)
        idle_.notify_all();
    }}.detach();
  }
}

void egress_proxy::serve(int client) {
  std::string head, rest;
  if (!read_head(client, head, rest))
    return;
  auto line_end = head.find("\r\n");
  auto line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) {
    reply(client, 400, "Bad Request", "malformed request line");
    return;
  }
  auto method = line.substr(0, sp1);
  auto target_text = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  bool connect = method == "CONNECT";
  std::string authority = target_text, path = "/";
  if (!connect) {
    if (!target_text.starts_with("http://")) {
      reply(client, 400, "Bad Request",
            "only CONNECT and absolute http:// requests are served");
      return;
    }
    authority = target_text.substr(7);
    auto slash = authority.find('/');
    if (slash != std::string::npos) {
      path = authority.substr(slash);
      authority.resize(slash);
    }
    if (authority.find(':') == std::string::npos
        || authority.back() == ']')
      authority += ":80";
  }
  auto target = parse_host_port(authority);
  auto log = [&](bool ok, const std::string& shown, const std::string& d) {
    if (ok)
      spdlog::info("egress: {} {} allowed via {}", method, shown, d);
    else
      spdlog::warn("egress: {} {} refused: {}", method, shown, d);
    if (options_.on_event)
      options_.on_event({ok, shown, d});
  };
  if (!target) {
    log(false, authority.substr(0, 200), "not a host:port");
    reply(client, 400, "Bad Request", "expected host:port");
    return;
  }
  auto shown = authority;
  auto refuse = [&](const std::string& why) {
    log(false, shown, why);
    reply(client, 403, "Forbidden", why);
  };
  if (auto d = policy_.check_name(*target); !d.allowed)
    return refuse(d.reason);
  std::vector<ip_address> addresses;
  if (auto literal = ip_address::parse(target->host)) {
    addresses.push_back(*literal);
  } else {
    std::string error;
    addresses = options_.resolve(target->host, error);
    if (addresses.empty()) {
      auto why = "cannot resolve " + target->host + ": "
               + (error.empty() ? "no address" : error);
      log(false, shown, why);
      reply(client, 502, "Bad Gateway", why);
      return;
    }
  }
  // Every address must pass: a name that also resolves to a private or
  // metadata address is refused as a whole (rebinding by round robin).
  for (const auto& a : addresses)
    if (auto d = policy_.check_address(*target, a); !d.allowed)
      return refuse(d.reason);
  int upstream = -1;
  std::string error;
  ip_address used;
  for (const auto& a : addresses) {
    upstream = connect_to(a, target->port, options_.connect_timeout, error);
    if (upstream >= 0) {
      used = a;
      break;
    }
  }
  if (upstream < 0) {
    auto why = "cannot connect to " + shown + ": " + error;
    log(false, shown, why);
    reply(client, 502, "Bad Gateway", why);
    return;
  }
  {
    std::lock_guard lock{mutex_};
    open_.insert(upstream);
  }
  log(true, shown, used.to_string());
  bool ok = true;
  if (connect) {
    static constexpr std::string_view established
      = "HTTP/1.1 200 Connection established\r\n\r\n";
    ok = write_all(client, established.data(), established.size());
  } else {
    auto request = origin_form(head, method, path, version);
    ok = write_all(upstream, request.data(), request.size());
  }
  if (ok && !rest.empty())
    ok = write_all(upstream, rest.data(), rest.size());
  if (ok && !stopping_)
    relay_both_ways(client, upstream);
  {
    std::lock_guard lock{mutex_};
    open_.erase(upstream);
  }
  ::close(upstream);
}

} // namespace telclaude::sandbox
