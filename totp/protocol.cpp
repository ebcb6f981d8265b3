#include "totp/protocol.hpp"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <span>

namespace telclaude::totp {

namespace {

protocol_error bad_request(std::string message) {
  return {"bad_request", std::move(message)};
}

/// The fields an op takes besides `op` itself; nullopt for an unknown op.
std::optional<std::span<const std::string_view>> fields_of(
  std::string_view op) {
  static constexpr std::string_view status[] = {"user"};
  static constexpr std::string_view setup[] = {"user", "account", "issuer"};
  static constexpr std::string_view check[] = {"user", "code"};
  if (op == "ping")
    return std::span<const std::string_view>{};
  if (op == "status")
    return status;
  if (op == "setup")
    return setup;
  if (op == "verify" || op == "disable")
    return check;
  return std::nullopt;
}

using field_map = std::map<std::string, simdjson::dom::element, std::less<>>;

std::variant<std::int64_t, protocol_error> user_of(const field_map& f) {
  auto e = f.find("user")->second;
  if (!e.is_int64() || e.get_int64().value() <= 0)
    return bad_request("\"user\" must be a positive integer (a Telegram "
                       "user id)");
  return e.get_int64().value();
}

std::variant<std::string, protocol_error> string_of(
  const field_map& f, std::string_view name, std::size_t max_size) {
  auto e = f.find(name)->second;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS || s.empty()
      || s.size() > max_size)
    return bad_request("\"" + std::string{name} + "\" must be a string of 1 "
                       "to " + std::to_string(max_size) + " bytes");
  return std::string{s};
}

std::variant<std::string, protocol_error> code_of(const field_map& f) {
  auto e = f.find("code")->second;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS || s.size() != 6
      || !std::all_of(s.begin(), s.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return bad_request("\"code\" must be a string of 6 digits");
  return std::string{s};
}

} // namespace

std::string encode_frame(std::string_view payload) {
  auto n = static_cast<std::uint32_t>(payload.size());
  std::string out;
  out.reserve(4 + payload.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> shift) & 0xff);
  out += payload;
  return out;
}

void frame_decoder::feed(std::string_view bytes) {
  if (failure_ == failure::none)
    buffer_ += bytes;
}

std::optional<std::string> frame_decoder::next() {
  if (failure_ != failure::none || buffer_.size() < 4)
    return std::nullopt;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n = (n << 8) | static_cast<unsigned char>(buffer_[static_cast<std::size_t>(i)]);
  if (n == 0 || n > max_frame_size) {
    failure_ = n == 0 ? failure::empty : failure::too_large;
    buffer_.clear();
    return std::nullopt;
  }
  if (buffer_.size() - 4 < n)
    return std::nullopt;
  std::string body = buffer_.substr(4, n);
  buffer_.erase(0, 4 + static_cast<std::size_t>(n));
  return body;
}

std::variant<request, protocol_error> parse_request(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded{body};
  simdjson::dom::element doc;
  auto err = parser.parse(padded).get(doc);
  if (err != simdjson::SUCCESS)
    return protocol_error{"bad_json", std::string{"the frame is not valid "
                                                  "JSON: "}
                                        + simdjson::error_message(err)};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS)
    return bad_request("the request must be a JSON object");
  field_map fields;
  for (auto [key, value] : obj)
    if (!fields.emplace(std::string{key}, value).second)
      return bad_request("a field appears twice");
  auto op_field = fields.find("op");
  std::string_view op;
  if (op_field == fields.end()
      || op_field->second.get_string().get(op) != simdjson::SUCCESS)
    return bad_request("\"op\" (a string) is required");
  auto allowed = fields_of(op);
  if (!allowed)
    return bad_request("unknown op; expected ping, status, setup, verify or "
                       "disable");
  for (auto& [name, value] : fields)
    if (name != "op"
        && std::find(allowed->begin(), allowed->end(), name) == allowed->end())
      return bad_request("op " + std::string{op} + " takes no field \""
                         + (name.size() <= 32 ? name : name.substr(0, 32))
                         + "\"");
  for (auto name : *allowed)
    if (!fields.contains(name))
      return bad_request("op " + std::string{op} + " needs \""
                         + std::string{name} + "\"");
  if (op == "ping")
    return ping_request{};
  auto user = user_of(fields);
  if (auto* e = std::get_if<protocol_error>(&user))
    return *e;
  auto id = std::get<std::int64_t>(user);
  if (op == "status")
    return status_request{id};
  if (op == "setup") {
    auto account = string_of(fields, "account", 128);
    if (auto* e = std::get_if<protocol_error>(&account))
      return *e;
    auto issuer = string_of(fields, "issuer", 64);
    if (auto* e = std::get_if<protocol_error>(&issuer))
      return *e;
    return setup_request{id, std::get<std::string>(account),
                         std::get<std::string>(issuer)};
  }
  auto code = code_of(fields);
  if (auto* e = std::get_if<protocol_error>(&code))
    return *e;
  if (op == "verify")
    return verify_request{id, std::get<std::string>(code)};
  return disable_request{id, std::get<std::string>(code)};
}

std::string encode_request(const request& r) {
  using nlohmann::json;
  struct visitor {
    json operator()(const ping_request&) const {
      return {{"op", "ping"}};
    }
    json operator()(const status_request& x) const {
      return {{"op", "status"}, {"user", x.user}};
    }
    json operator()(const setup_request& x) const {
      return {{"op", "setup"}, {"user", x.user}, {"account", x.account},
              {"issuer", x.issuer}};
    }
    json operator()(const verify_request& x) const {
      return {{"op", "verify"}, {"user", x.user}, {"code", x.code}};
    }
    json operator()(const disable_request& x) const {
      return {{"op", "disable"}, {"user", x.user}, {"code", x.code}};
    }
  };
  return std::visit(visitor{}, r).dump();
}

std::string ok_response() {
  return nlohmann::json{{"ok", true}}.dump();
}

std::string status_response(const enrollment_status& s) {
  return nlohmann::json{{"ok", true}, {"enabled", s.enabled},
                        {"pending", s.pending}}
    .dump();
}

std::string setup_response(std::string_view uri) {
  return nlohmann::json{{"ok", true}, {"uri", uri}}.dump();
}

std::string check_response(const check_result& r) {
  nlohmann::json j{{"ok", true}, {"valid", r.valid()},
                   {"reason", to_string(r.reason)}};
  if (r.retry_after_s)
    j["retry_after_s"] = *r.retry_after_s;
  return j.dump();
}

std::string error_response(const protocol_error& e) {
  return nlohmann::json{{"ok", false}, {"error", e.code},
                        {"message", e.message}}
    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace telclaude::totp
