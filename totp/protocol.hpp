#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "totp/vault.hpp"

namespace telclaude::totp {

/// The largest frame body; a longer declared length is `too_large`.
inline constexpr std::size_t max_frame_size = 65536;

/// A frame: 4-byte big-endian length N (1..65536), then N bytes.
std::string encode_frame(std::string_view payload);

/// Splits a byte stream into frame bodies as the bytes arrive.
class frame_decoder {
public:
  /// What is wrong with the stream; after an error nothing more is
  /// decoded (the length is unreadable, so the stream cannot be resynced).
  enum class failure { none, empty, too_large };

  /// Appends received bytes.
  void feed(std::string_view bytes);

  /// The next whole frame body, or nullopt when more bytes are needed or
  /// the stream failed.
  std::optional<std::string> next();

  failure error() const noexcept {
    return failure_;
  }

  /// Bytes of an unfinished frame are buffered (EOF now truncates it).
  bool partial() const noexcept {
    return !buffer_.empty();
  }

private:
  std::string buffer_;
  failure failure_ = failure::none;
};

struct ping_request {};
struct status_request {
  std::int64_t user = 0;
};
struct setup_request {
  std::int64_t user = 0;
  std::string account;
  std::string issuer;
};
struct verify_request {
  std::int64_t user = 0;
  std::string code;
};
struct disable_request {
  std::int64_t user = 0;
  std::string code;
};

/// One request, as validated against the schema.
using request = std::variant<ping_request, status_request, setup_request,
                             verify_request, disable_request>;

/// An error reply: a stable code (`bad_json`, `bad_request`, `too_large`,
/// `internal`, `already_enabled`) and a human message.
struct protocol_error {
  std::string code;
  std::string message;
};

/// Parses and validates one frame body: a JSON object with `op` and
/// exactly the fields of that op, each of its type (`user` a positive
/// integer, `code` six ASCII digits, `account` 1..128 and `issuer` 1..64
/// bytes). Invalid JSON (including invalid UTF-8) is `bad_json`, anything
/// else wrong `bad_request`; messages never repeat the values sent.
std::variant<request, protocol_error> parse_request(std::string_view body);

/// The JSON object of `r` (what a client sends).
std::string encode_request(const request& r);

/// `{"ok":true}`.
std::string ok_response();
/// `{"ok":true,"enabled":...,"pending":...}`.
std::string status_response(const enrollment_status& s);
/// `{"ok":true,"uri":...}`.
std::string setup_response(std::string_view uri);
/// `{"ok":true,"valid":...,"reason":...[,"retry_after_s":N]}`.
std::string check_response(const check_result& r);
/// `{"ok":false,"error":...,"message":...}`.
std::string error_response(const protocol_error& e);

} // namespace telclaude::totp
