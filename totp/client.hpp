#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/environment.hpp"
#include "totp/vault.hpp"

namespace telclaude::totp {

/// The daemon's socket: TELCLAUDE_TOTP_SOCKET, else `<data dir>/totp.sock`.
std::filesystem::path default_socket_path(const config::environment& env);

/// Why a call to the daemon gave no answer.
struct client_error {
  /// `unavailable` (no daemon listening, or the connection broke),
  /// `timeout`, `protocol` (an answer that is not the protocol's), or
  /// the daemon's own error code (`bad_request`, `already_enabled`,
  /// `internal`, ...).
  std::string code;
  std::string message;
};

/// A daemon answer, or the reason there is none.
template <class T>
struct client_result {
  std::optional<T> value;
  client_error error;

  explicit operator bool() const noexcept {
    return value.has_value();
  }
  const T& operator*() const {
    return *value;
  }
  const T* operator->() const {
    return &*value;
  }
};

/// A blocking client of the TOTP daemon for the relay: one connection per
/// call, the whole call bounded by `timeout`. Never throws for the
/// daemon's absence or misbehaviour: that is a client_error.
class totp_client {
public:
  explicit totp_client(std::filesystem::path socket_path,
                       std::chrono::milliseconds timeout
                       = std::chrono::seconds{3});

  /// Whether the daemon answers.
  client_result<bool> ping() const;

  client_result<enrollment_status> status(std::int64_t user) const;

  /// A new pending secret; the otpauth URI to show the user once.
  client_result<std::string> setup(std::int64_t user, std::string_view account,
                                   std::string_view issuer
                                   = "telclaude") const;

  /// Checks a code; a valid one on a pending set-up enables 2FA.
  client_result<check_result> verify(std::int64_t user,
                                     std::string_view code) const;

  /// Checks a code; a valid one removes the user's secret.
  client_result<check_result> disable(std::int64_t user,
                                      std::string_view code) const;

  /// Sends one frame body and returns the answer's body, unparsed.
  client_result<std::string> exchange(std::string_view body) const;

private:
  std::filesystem::path socket_path_;
  std::chrono::milliseconds timeout_;
};

} // namespace telclaude::totp
