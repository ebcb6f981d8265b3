#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace telclaude::totp {

using deadline = std::chrono::steady_clock::time_point;

/// How a bounded socket operation ended.
enum class io_status { done, eof, timeout, error, stopped };

/// Writes all of `bytes` to the non-blocking `fd` before `until`. With
/// `stop_fd` >= 0, gives up (stopped) once that descriptor is readable.
io_status send_all(int fd, std::string_view bytes, deadline until,
                   int stop_fd = -1);

/// Waits until `fd` is readable (or `until`/`stop_fd`), then appends what
/// one read returns (at most `max` bytes) to `out`.
io_status receive_some(int fd, std::string& out, std::size_t max,
                       deadline until, int stop_fd = -1);

/// Whether `path` fits in a sockaddr_un (at most 107 bytes).
bool fits_unix_path(const std::filesystem::path& path);

/// An owned file descriptor, closed on destruction.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {
  }
  ~unique_fd();
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {
  }
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const noexcept {
    return fd_;
  }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const noexcept {
    return fd_ >= 0;
  }

private:
  int fd_ = -1;
};

} // namespace telclaude::totp
