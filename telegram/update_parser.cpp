#include "telegram/update_parser.hpp"

#include "telegram/api_response.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace telclaude::telegram {

namespace {

namespace dom = simdjson::dom;

/// Dates above this are milliseconds (the npm emulator sends those): in
/// seconds it would be the year 5138.
constexpr std::int64_t max_seconds_date = 100'000'000'000;

/// The content fields of a message without text, in the order we name them.
constexpr std::array<std::string_view, 22> content_fields = {
  "photo",         "sticker",          "animation",      "audio",
  "document",      "video",            "video_note",     "voice",
  "contact",       "location",         "venue",          "poll",
  "dice",          "game",             "invoice",        "story",
  "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
  "pinned_message", "successful_payment",
};

/// Reads an optional field of JSON type `T` into `out`: absent is fine,
/// present with another type is not. Returns false only for a wrong type.
template <class T, class Out>
bool optional_field(dom::object object, std::string_view key, Out& out) {
  dom::element element;
  if (object[key].get(element) != simdjson::SUCCESS)
    return true;
  T value;
  if (element.get<T>().get(value) != simdjson::SUCCESS)
    return false;
  out = Out{value};
  return true;
}

bool optional_string(dom::object object, std::string_view key,
                     std::string& out) {
  return optional_field<std::string_view>(object, key, out);
}

bool read_user(dom::object object, update& u) {
  dom::element element;
  if (object["from"].get(element) != simdjson::SUCCESS)
    return true; // channel posts and anonymous admins have no sender
  dom::object from;
  int64_t id = 0;
  if (element.get_object().get(from) != simdjson::SUCCESS ||
      from["id"].get_int64().get(id) != simdjson::SUCCESS)
    return false;
  u.user_id = id;
  return optional_string(from, "username", u.username) &&
         optional_string(from, "first_name", u.first_name);
}

bool read_chat(dom::object message, update& u) {
  dom::object chat;
  int64_t id = 0;
  if (message["chat"].get_object().get(chat) != simdjson::SUCCESS ||
      chat["id"].get_int64().get(id) != simdjson::SUCCESS)
    return false;
  u.chat_id = id;
  return optional_string(chat, "type", u.chat_type);
}

bool read_message(dom::element element, update& u) {
  dom::object message;
  int64_t id = 0;
  if (element.get_object().get(message) != simdjson::SUCCESS ||
      message["message_id"].get_int64().get(id) != simdjson::SUCCESS)
    return false;
  u.message_id = id;
  if (!read_chat(message, u) || !read_user(message, u) ||
      !optional_field<int64_t>(message, "date", u.date) ||
      !optional_string(message, "text", u.text))
    return false;
  if (u.date > max_seconds_date)
    u.date /= 1000;
  dom::element text;
  if (message["text"].get(text) == simdjson::SUCCESS) {
    u.content_type = "text";
    return true;
  }
  u.content_type = "unknown";
  for (auto field : content_fields) {
    dom::element content;
    if (message[field].get(content) == simdjson::SUCCESS) {
      u.content_type = std::string{field};
      break;
    }
  }
  return true;
}

bool read_callback(dom::element element, update& u) {
  dom::object query;
  if (element.get_object().get(query) != simdjson::SUCCESS)
    return false;
  std::string_view id;
  if (query["id"].get_string().get(id) != simdjson::SUCCESS)
    return false;
  u.callback_query_id = std::string{id};
  dom::element from;
  if (query["from"].get(from) != simdjson::SUCCESS || !read_user(query, u) ||
      !optional_string(query, "data", u.callback_data))
    return false;
  dom::element message;
  if (query["message"].get(message) == simdjson::SUCCESS) {
    dom::object object;
    int64_t message_id = 0;
    if (message.get_object().get(object) != simdjson::SUCCESS ||
        object["message_id"].get_int64().get(message_id) != simdjson::SUCCESS ||
        !read_chat(object, u))
      return false;
    u.message_id = message_id;
  } else {
    // An inline-mode message: answer in the presser's private chat.
    u.chat_id = u.user_id;
    u.chat_type = "private";
  }
  return true;
}

/// The update in `element` whose update_id was already read.
std::optional<update> read_update(dom::element element, std::int64_t id) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS)
    return std::nullopt;
  update u;
  u.update_id = id;
  u.raw = simdjson::minify(element);
  dom::element part;
  bool good = true;
  if (object["message"].get(part) == simdjson::SUCCESS) {
    good = read_message(part, u);
    u.kind = u.content_type == "text" ? update_kind::text_message
                                      : update_kind::non_text_message;
  } else if (object["edited_message"].get(part) == simdjson::SUCCESS) {
    good = read_message(part, u);
    u.kind = update_kind::edited_message;
  } else if (object["callback_query"].get(part) == simdjson::SUCCESS) {
    good = read_callback(part, u);
    u.kind = update_kind::callback_query;
  }
  if (!good)
    return std::nullopt;
  return u;
}

std::optional<std::int64_t> read_update_id(dom::element element) {
  int64_t id = 0;
  if (element["update_id"].get_int64().get(id) != simdjson::SUCCESS)
    return std::nullopt;
  return id;
}

} // namespace

call_result<update_batch> parse_get_updates(std::string_view body,
                                            int http_status) {
  dom::parser parser;
  auto opened = open_response(parser, body, http_status);
  if (!opened)
    return opened.error();
  dom::array entries;
  if (opened.value().get_array().get(entries) != simdjson::SUCCESS) {
    call_error e;
    e.kind = error_kind::protocol;
    e.message = "getUpdates result is not an array";
    return e;
  }
  update_batch batch;
  for (dom::element entry : entries) {
    auto id = read_update_id(entry);
    if (!id) {
      ++batch.unreadable;
      continue;
    }
    batch.next_offset = std::max(batch.next_offset.value_or(*id + 1), *id + 1);
    if (auto parsed = read_update(entry, *id))
      batch.updates.push_back(std::move(*parsed));
    else
      batch.skipped.push_back(*id);
  }
  return batch;
}

std::optional<update> parse_update(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    return std::nullopt;
  auto id = read_update_id(root);
  if (!id)
    return std::nullopt;
  return read_update(root, *id);
}

bool bot_command::addressed_to(std::string_view username) const {
  if (bot_username.empty())
    return true;
  if (!username.empty() && username.front() == '@')
    username.remove_prefix(1);
  return std::equal(bot_username.begin(), bot_username.end(),
                    username.begin(), username.end(), [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

std::optional<bot_command> parse_command(std::string_view text) {
  if (text.size() < 2 || text.front() != '/')
    return std::nullopt;
  auto is_blank = [](char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
  };
  auto end = std::find_if(text.begin(), text.end(), is_blank);
  std::string_view word{text.begin() + 1, end};
  auto at = word.find('@');
  bot_command command;
  for (char c : word.substr(0, at)) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_')
      return std::nullopt;
    command.name += static_cast<char>(std::tolower(u));
  }
  if (command.name.empty())
    return std::nullopt;
  if (at != std::string_view::npos)
    command.bot_username = std::string{word.substr(at + 1)};
  auto rest = std::find_if_not(end, text.end(), is_blank);
  command.args = std::string{rest, text.end()};
  return command;
}

} // namespace telclaude::telegram
