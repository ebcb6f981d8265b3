#include "telegram/api_response.hpp"

#include <string>

namespace telclaude::telegram {

namespace {

namespace dom = simdjson::dom;

bool is_success(int http_status) {
  return http_status >= 200 && http_status < 300;
}

call_error protocol_error(std::string message) {
  call_error e;
  e.kind = error_kind::protocol;
  e.message = std::move(message);
  return e;
}

/// An error page that is not the Bot API's JSON (a proxy, an emulator):
/// the HTTP status stands in for the error code.
call_error http_error(int http_status, std::string_view body) {
  call_error e;
  e.kind = error_kind::api;
  e.api.error_code = http_status;
  constexpr std::size_t max_snippet = 120;
  std::string snippet;
  for (char c : body.substr(0, max_snippet))
    snippet += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  e.api.description = "HTTP " + std::to_string(http_status);
  e.message = e.api.description;
  if (!snippet.empty())
    e.message += ": " + snippet;
  return e;
}

call_error api_error_from(dom::object root, int http_status) {
  call_error e;
  e.kind = error_kind::api;
  int64_t code = 0;
  e.api.error_code = root["error_code"].get_int64().get(code) == simdjson::SUCCESS
                       ? static_cast<int>(code)
                       : http_status;
  std::string_view description;
  if (root["description"].get_string().get(description) == simdjson::SUCCESS)
    e.api.description = std::string{description};
  dom::object parameters;
  if (root["parameters"].get_object().get(parameters) == simdjson::SUCCESS) {
    int64_t value = 0;
    if (parameters["retry_after"].get_int64().get(value) == simdjson::SUCCESS)
      e.api.retry_after = static_cast<int>(value);
    if (parameters["migrate_to_chat_id"].get_int64().get(value)
        == simdjson::SUCCESS)
      e.api.migrate_to_chat_id = value;
  }
  e.message = "Bot API error " + std::to_string(e.api.error_code);
  if (!e.api.description.empty())
    e.message += ": " + e.api.description;
  return e;
}

} // namespace

bool call_error::is_not_modified() const {
  return kind == error_kind::api && api.error_code == 400 &&
         api.description.find("message is not modified") != std::string::npos;
}

bool call_error::is_entity_parse_error() const {
  return kind == error_kind::api && api.error_code == 400 &&
         api.description.find("can't parse entities") != std::string::npos;
}

call_result<dom::element> open_response(dom::parser& parser,
                                        std::string_view body,
                                        int http_status) {
  dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root)) {
    if (!is_success(http_status))
      return http_error(http_status, body);
    return protocol_error(std::string{"answer is not JSON: "} +
                          simdjson::error_message(err));
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    if (!is_success(http_status))
      return http_error(http_status, body);
    return protocol_error("answer is not a JSON object");
  }
  bool ok = false;
  if (object["ok"].get_bool().get(ok) != simdjson::SUCCESS) {
    if (!is_success(http_status))
      return http_error(http_status, body);
    return protocol_error("answer has no boolean \"ok\"");
  }
  if (!ok || !is_success(http_status))
    return api_error_from(object, http_status);
  dom::element result;
  if (object["result"].get(result) != simdjson::SUCCESS)
    return protocol_error("answer has no \"result\"");
  return result;
}

call_result<std::int64_t> parse_sent_message(std::string_view body,
                                             int http_status) {
  dom::parser parser;
  auto opened = open_response(parser, body, http_status);
  if (!opened)
    return opened.error();
  int64_t id = 0;
  if (opened.value()["message_id"].get_int64().get(id) != simdjson::SUCCESS)
    return protocol_error("sent message has no integer \"message_id\"");
  return std::int64_t{id};
}

call_result<done> parse_done(std::string_view body, int http_status) {
  dom::parser parser;
  auto opened = open_response(parser, body, http_status);
  if (!opened)
    return opened.error();
  return done{};
}

call_result<bot_user> parse_bot_user(std::string_view body, int http_status) {
  dom::parser parser;
  auto opened = open_response(parser, body, http_status);
  if (!opened)
    return opened.error();
  bot_user user;
  int64_t id = 0;
  if (opened.value()["id"].get_int64().get(id) != simdjson::SUCCESS)
    return protocol_error("getMe answer has no integer \"id\"");
  user.id = id;
  std::string_view text;
  if (opened.value()["username"].get_string().get(text) == simdjson::SUCCESS)
    user.username = std::string{text};
  if (opened.value()["first_name"].get_string().get(text) == simdjson::SUCCESS)
    user.first_name = std::string{text};
  return user;
}

telclaude::user_error to_user_error(const call_error& error) {
  switch (error.kind) {
    case error_kind::network:
      return {"telegram.unreachable",
              "Cannot reach the Telegram Bot API (" + error.message +
                "): check the network, a proxy, or the configured API URL."};
    case error_kind::protocol:
      return {"telegram.protocol",
              "The Bot API answered something that is not its JSON (" +
                error.message + "): check the configured API URL."};
    case error_kind::cancelled:
      return {"telegram.cancelled", "The Bot API call was cancelled."};
    case error_kind::api:
      break;
  }
  const int code = error.api.error_code;
  if (code == 401 || code == 404)
    return {"telegram.unauthorized",
            "The Bot API rejected the bot token (" + error.message +
              "): check the token BotFather gave you."};
  if (code == 409)
    return {"telegram.conflict",
            "Another getUpdates poller or a webhook is active for this bot (" +
              error.message +
              "): stop the other instance or delete the webhook."};
  return {"telegram.api", error.message};
}

} // namespace telclaude::telegram
