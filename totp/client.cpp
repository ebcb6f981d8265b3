#include "totp/client.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "totp/protocol.hpp"
#include "totp/socket_io.hpp"

namespace telclaude::totp {

namespace {

template <class T>
client_result<T> failed(std::string code, std::string message) {
  return {std::nullopt, {std::move(code), std::move(message)}};
}

std::string io_message(io_status s) {
  switch (s) {
    case io_status::timeout:
      return "the TOTP daemon did not answer in time";
    case io_status::eof:
      return "the TOTP daemon closed the connection";
    default:
      return std::string{"the connection to the TOTP daemon broke: "}
             + std::strerror(errno);
  }
}

/// The answer's object when it says ok:true; else the error it carries.
template <class T, class F>
client_result<T> read_answer(const client_result<std::string>& raw, F&& get) {
  if (!raw)
    return failed<T>(raw.error.code, raw.error.message);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(*raw).get_object().get(obj) != simdjson::SUCCESS)
    return failed<T>("protocol", "the TOTP daemon's answer is not a JSON "
                                 "object");
  bool ok = false;
  if (obj["ok"].get_bool().get(ok) != simdjson::SUCCESS)
    return failed<T>("protocol", "the TOTP daemon's answer has no \"ok\"");
  if (!ok) {
    std::string_view code = "protocol";
    std::string_view message = "the TOTP daemon refused the request";
    if (obj["error"].get_string().get(code) != simdjson::SUCCESS)
      code = "protocol";
    if (obj["message"].get_string().get(message) != simdjson::SUCCESS)
      message = "the TOTP daemon refused the request";
    return failed<T>(std::string{code}, std::string{message});
  }
  std::optional<T> value = get(obj);
  if (!value)
    return failed<T>("protocol", "the TOTP daemon's answer lacks a field");
  return {std::move(value), {}};
}

std::optional<check_result> check_of(simdjson::dom::object& obj) {
  std::string_view reason;
  if (obj["reason"].get_string().get(reason) != simdjson::SUCCESS)
    return std::nullopt;
  check_result r;
  for (auto v : {verdict::ok, verdict::wrong, verdict::replayed,
                 verdict::locked, verdict::not_enrolled})
    if (to_string(v) == reason)
      r.reason = v;
  if (to_string(r.reason) != reason)
    return std::nullopt;
  std::int64_t retry = 0;
  if (obj["retry_after_s"].get_int64().get(retry) == simdjson::SUCCESS)
    r.retry_after_s = retry;
  return r;
}

} // namespace

std::filesystem::path default_socket_path(const config::environment& env) {
  return config::resolve_totp_socket(env, config::resolve_data_dir(env));
}

totp_client::totp_client(std::filesystem::path socket_path,
                         std::chrono::milliseconds timeout)
  : socket_path_(std::move(socket_path)), timeout_(timeout) {
}

client_result<std::string> totp_client::exchange(std::string_view body) const {
  auto until = std::chrono::steady_clock::now() + timeout_;
  if (!fits_unix_path(socket_path_))
    return failed<std::string>("unavailable", "the TOTP socket path "
                                              + socket_path_.string()
                                              + " is too long");
  unique_fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd)
    return failed<std::string>("unavailable", std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, socket_path_.c_str());
  // A local connect completes at once or fails (ENOENT, ECONNREFUSED,
  // EAGAIN when the backlog is full): no need to bound it.
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)
      != 0)
    return failed<std::string>("unavailable",
                               "the TOTP daemon is not reachable at "
                                 + socket_path_.string() + ": "
                                 + std::strerror(errno));
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  auto s = send_all(fd.get(), encode_frame(body), until);
  if (s != io_status::done)
    return failed<std::string>(s == io_status::timeout ? "timeout"
                                                       : "unavailable",
                               io_message(s));
  frame_decoder decoder;
  for (;;) {
    if (auto frame = decoder.next())
      return {std::move(*frame), {}};
    if (decoder.error() != frame_decoder::failure::none)
      return failed<std::string>("protocol", "the TOTP daemon's answer has "
                                             "an invalid length");
    std::string chunk;
    s = receive_some(fd.get(), chunk, max_frame_size + 4, until);
    if (s != io_status::done)
      return failed<std::string>(s == io_status::timeout ? "timeout"
                                                         : "unavailable",
                                 io_message(s));
    decoder.feed(chunk);
  }
}

client_result<bool> totp_client::ping() const {
  return read_answer<bool>(exchange(encode_request(ping_request{})),
                           [](auto&) { return std::optional<bool>{true}; });
}

client_result<enrollment_status> totp_client::status(std::int64_t user) const {
  return read_answer<enrollment_status>(
    exchange(encode_request(status_request{user})),
    [](simdjson::dom::object& obj) -> std::optional<enrollment_status> {
      enrollment_status s;
      if (obj["enabled"].get_bool().get(s.enabled) != simdjson::SUCCESS
          || obj["pending"].get_bool().get(s.pending) != simdjson::SUCCESS)
        return std::nullopt;
      return s;
    });
}

client_result<std::string> totp_client::setup(std::int64_t user,
                                              std::string_view account,
                                              std::string_view issuer) const {
  return read_answer<std::string>(
    exchange(encode_request(
      setup_request{user, std::string{account}, std::string{issuer}})),
    [](simdjson::dom::object& obj) -> std::optional<std::string> {
      std::string_view uri;
      if (obj["uri"].get_string().get(uri) != simdjson::SUCCESS)
        return std::nullopt;
      return std::string{uri};
    });
}

client_result<check_result> totp_client::verify(std::int64_t user,
                                                std::string_view code) const {
  return read_answer<check_result>(
    exchange(encode_request(verify_request{user, std::string{code}})),
    check_of);
}

client_result<check_result> totp_client::disable(std::int64_t user,
                                                 std::string_view code) const {
  return read_answer<check_result>(
    exchange(encode_request(disable_request{user, std::string{code}})),
    check_of);
}

} // namespace telclaude::totp
