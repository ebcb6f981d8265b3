#include "totp/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "totp/protocol.hpp"

namespace telclaude::totp {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void socket_error(const fs::path& path, const std::string& why) {
  throw user_error("totp.socket",
                   "cannot listen on the TOTP socket " + path.string() + ": "
                     + why);
}

sockaddr_un address_of(const fs::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  return addr;
}

/// The socket's directory must keep everyone else out: the socket's own
/// mode is set only after bind().
void check_directory(const fs::path& path) {
  auto dir = path.parent_path().empty() ? fs::path{"."} : path.parent_path();
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0)
    socket_error(path, "its directory " + dir.string()
                         + " is missing: " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()
      || (st.st_mode & 077) != 0)
    socket_error(path, "its directory " + dir.string()
                         + " must belong to this user with mode 0700");
}

/// Removes a socket file no daemon answers on; refuses a live one and
/// anything that is not a socket.
void clear_stale(const fs::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0)
    return;
  if (!S_ISSOCK(st.st_mode))
    socket_error(path, "it exists and is not a socket");
  unique_fd probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  auto addr = address_of(path);
  if (probe
      && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)
           == 0)
    throw user_error("totp.running", "a TOTP daemon already listens on "
                                       + path.string()
                                       + "; stop it first, or give this "
                                         "one another --socket-path");
  ::unlink(path.c_str());
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

} // namespace

socket_server::socket_server(server_options options, frame_handler handler)
  : options_(std::move(options)), handler_(std::move(handler)) {
  const auto& path = options_.socket_path;
  if (!fits_unix_path(path))
    socket_error(path, "the path is longer than 107 bytes");
  check_directory(path);
  clear_stale(path);
  listener_ = unique_fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!listener_)
    socket_error(path, std::strerror(errno));
  auto addr = address_of(path);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)
      != 0)
    socket_error(path, std::strerror(errno));
  struct stat st{};
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    socket_error(path, std::strerror(err));
  }
  socket_inode_ = st.st_ino;
  set_nonblocking(listener_.get());
  int pipe_fds[2];
  if (::listen(listener_.get(), 64) != 0
      || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    socket_error(path, std::strerror(err));
  }
  stop_read_ = unique_fd{pipe_fds[0]};
  stop_write_ = unique_fd{pipe_fds[1]};
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

socket_server::~socket_server() {
  stop();
}

void socket_server::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  // Never drained: every poll() on the read end sees it from now on.
  char byte = 0;
  while (::write(stop_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  if (acceptor_.joinable())
    acceptor_.join();
  reap(true);
  struct stat st{};
  if (::lstat(options_.socket_path.c_str(), &st) == 0
      && st.st_ino == socket_inode_)
    ::unlink(options_.socket_path.c_str());
}

void socket_server::reap(bool all) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (all || it->done) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void socket_server::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0},
                     {stop_read_.get(), POLLIN, 0}};
    int rc = ::poll(fds, 2, 1000);
    if (rc < 0 && errno != EINTR)
      return;
    if (fds[1].revents & POLLIN)
      return;
    reap(false);
    if (rc <= 0 || !(fds[0].revents & POLLIN))
      continue;
    int fd = ::accept4(listener_.get(), nullptr, nullptr,
                       SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
      continue;
    if (connections_.size() >= options_.max_connections) {
      unique_fd refused{fd};
      send_all(fd,
               encode_frame(error_response(
                 {"internal", "too many connections; try again"})),
               std::chrono::steady_clock::now() + std::chrono::milliseconds{100});
      continue;
    }
    auto& c = connections_.emplace_back();
    c.thread = std::thread{[this, fd, &c] {
      serve(fd);
      c.done = true;
    }};
  }
}

void socket_server::serve(int raw_fd) {
  unique_fd fd{raw_fd};
  int stop = stop_read_.get();
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto reply = [&](const std::string& body) {
    return send_all(fd.get(), encode_frame(body), now() + options_.read_deadline,
                    stop)
           == io_status::done;
  };
  frame_decoder decoder;
  auto until = now() + options_.read_deadline;
  for (;;) {
    if (auto body = decoder.next()) {
      std::string answer;
      try {
        answer = handler_(*body);
      } catch (const std::exception&) {
        answer = error_response({"internal", "the request failed"});
      }
      if (!reply(answer))
        return;
      until = now() + options_.read_deadline;
      continue;
    }
    switch (decoder.error()) {
      case frame_decoder::failure::too_large:
        reply(error_response({"too_large", "a frame may hold at most 65536 "
                                           "bytes"}));
        return;
      case frame_decoder::failure::empty:
        reply(error_response({"bad_request", "a frame of length 0"}));
        return;
      case frame_decoder::failure::none:
        break;
    }
    std::string chunk;
    auto s = receive_some(fd.get(), chunk, 16384, until, stop);
    if (s == io_status::eof && decoder.partial())
      reply(error_response({"bad_request", "the frame was cut off"}));
    if (s != io_status::done)
      return;
    decoder.feed(chunk);
  }
}

} // namespace telclaude::totp
