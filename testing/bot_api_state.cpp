#include "testing/bot_api_state.hpp"

#include "testing/bot_api_html.hpp"
#include "testing/bot_api_params.hpp"

#include <algorithm>

namespace telclaude::testing {

namespace {

using std::chrono::steady_clock;

/// Drops entries older than `window` and tells whether another fits.
bool window_has_room(std::deque<steady_clock::time_point>& sends,
                     const rate_limit& limit, steady_clock::time_point now) {
  while (!sends.empty() && now - sends.front() >= limit.window)
    sends.pop_front();
  return sends.size() < limit.count;
}

int seconds_until_room(const std::deque<steady_clock::time_point>& sends,
                       const rate_limit& limit, steady_clock::time_point now) {
  auto wait = sends.front() + limit.window - now;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  return std::max<int>(1, static_cast<int>((ms + 999) / 1000));
}

constexpr const char* superseded =
  "Conflict: terminated by other getUpdates request; make sure that only "
  "one bot instance is running";
constexpr const char* webhook_set =
  "Conflict: can't use getUpdates method while webhook is active; use "
  "deleteWebhook to delete the webhook first";

} // namespace

std::size_t utf16_units(std::string_view text) {
  std::size_t units = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80)
      units += c >= 0xF0 ? 2 : 1;
  return units;
}

bot_api_answer ok_answer(const nlohmann::json& result) {
  return {200, nlohmann::json{{"ok", true}, {"result", result}}.dump(), false};
}

bot_api_answer error_answer(int code, const std::string& description,
                            std::optional<int> retry_after) {
  nlohmann::json body = {
    {"ok", false}, {"error_code", code}, {"description", description}};
  if (retry_after)
    body["parameters"] = {{"retry_after", *retry_after}};
  return {code, body.dump(), false};
}

bot_api_answer bot_api_state::handle(std::string_view method,
                                     const nlohmann::json& params,
                                     std::unique_lock<std::mutex>& lock) {
  for (std::string_view key : {method, std::string_view{"*"}}) {
    auto it = faults.find(key);
    if (it == faults.end() || it->second.empty())
      continue;
    fault f = std::move(it->second.front());
    it->second.pop_front();
    if (f.close_connection)
      return {0, {}, true};
    if (f.raw_body)
      return {f.status, *f.raw_body, false};
    return error_answer(f.status, f.description, f.retry_after);
  }
  if (method == "getUpdates")
    return get_updates(params, lock);
  if (method == "sendMessage")
    return send_message(params);
  if (method == "sendPhoto")
    return send_photo(params);
  if (method == "editMessageText")
    return edit_message_text(params);
  if (method == "sendChatAction")
    return send_chat_action(params);
  if (method == "answerCallbackQuery")
    return answer_callback_query(params);
  if (method == "deleteMessage")
    return delete_message(params);
  if (method == "getMe")
    return get_me();
  if (method == "setWebhook")
    return set_webhook(params, true);
  if (method == "deleteWebhook")
    return set_webhook(params, false);
  if (method == "getWebhookInfo")
    return ok_answer({{"url", webhook_active ? "https://example.invalid" : ""},
                      {"pending_update_count", updates.size()}});
  return error_answer(404, "Not Found");
}

bot_api_answer bot_api_state::get_updates(const nlohmann::json& params,
                                          std::unique_lock<std::mutex>& lock) {
  ++get_updates_calls;
  if (webhook_active)
    return error_answer(409, webhook_set);
  const std::int64_t offset = int_param(params, "offset").value_or(0);
  if (offset > 0) {
    while (!updates.empty() && updates.front().id < offset)
      updates.pop_front();
    confirmed_offset = std::max(confirmed_offset, offset);
  } else if (offset < 0) {
    const auto keep = static_cast<std::size_t>(-offset);
    while (updates.size() > keep) {
      confirmed_offset = updates.front().id + 1;
      updates.pop_front();
    }
  }
  changed.notify_all();
  const auto limit = static_cast<std::size_t>(
    std::clamp<std::int64_t>(int_param(params, "limit").value_or(100), 1, 100));
  const auto timeout = std::clamp<std::int64_t>(
    int_param(params, "timeout").value_or(0), 0, options.max_poll_timeout_s);
  const auto generation = ++poll_generation;
  const auto deadline = steady_clock::now() + std::chrono::seconds{timeout};
  auto ready = [&] {
    return stopping || poll_generation != generation || !updates.empty();
  };
  if (!empty_polls_at_once)
    changed.wait_until(lock, deadline, ready);
  if (webhook_active)
    return error_answer(409, webhook_set);
  if (poll_generation != generation)
    return error_answer(409, superseded);
  std::string body = R"({"ok":true,"result":[)";
  std::size_t count = 0;
  for (const auto& u : updates) {
    if (count == limit)
      break;
    if (count++ != 0)
      body += ',';
    body += u.json; // verbatim: a raw update may be malformed on purpose
  }
  body += "]}";
  return {200, std::move(body), false};
}

std::variant<fake_chat*, bot_api_answer>
bot_api_state::target_chat(const nlohmann::json& params) {
  auto chat_id = int_param(params, "chat_id");
  if (!chat_id)
    return error_answer(400, "Bad Request: chat_id is empty");
  auto it = chats.find(*chat_id);
  if (it == chats.end()) {
    if (options.require_known_chat)
      return error_answer(400, "Bad Request: chat not found");
    return &chat(*chat_id, *chat_id > 0 ? "private" : "group");
  }
  return &it->second;
}

std::optional<bot_api_answer>
bot_api_state::check_text(const std::string& text,
                          const std::string& parse_mode) const {
  std::string shown = text;
  if (parse_mode == "HTML") {
    auto parsed = parse_html(text);
    if (parsed.error)
      return error_answer(400, "Bad Request: can't parse entities: " +
                                 *parsed.error);
    shown = std::move(parsed.plain);
  } else if (!parse_mode.empty() && parse_mode != "MarkdownV2" &&
             parse_mode != "Markdown") {
    return error_answer(400, "Bad Request: unsupported parse_mode");
  }
  if (shown.find_first_not_of(" \t\r\n") == std::string::npos)
    return error_answer(400, "Bad Request: message text is empty");
  if (utf16_units(shown) > 4096)
    return error_answer(400, "Bad Request: message is too long");
  return std::nullopt;
}

std::optional<bot_api_answer> bot_api_state::take_send_slot(fake_chat& chat) {
  const auto now = steady_clock::now();
  if (options.enforce_limits) {
    const auto& per_chat =
      chat.type == "private" ? options.private_chat : options.group_chat;
    if (!window_has_room(chat.sends, per_chat, now)) {
      const int wait = seconds_until_room(chat.sends, per_chat, now);
      return error_answer(429, "Too Many Requests: retry after " +
                                 std::to_string(wait), wait);
    }
    if (!window_has_room(overall_sends, options.overall, now)) {
      const int wait = seconds_until_room(overall_sends, options.overall, now);
      return error_answer(429, "Too Many Requests: retry after " +
                                 std::to_string(wait), wait);
    }
  }
  chat.sends.push_back(now);
  overall_sends.push_back(now);
  return std::nullopt;
}

bot_message* bot_api_state::find_bot_message(fake_chat& chat,
                                             std::int64_t message_id) {
  for (auto& m : chat.bot_messages)
    if (m.message_id == message_id && !m.deleted)
      return &m;
  return nullptr;
}

bot_api_answer bot_api_state::send_message(const nlohmann::json& params) {
  auto target = target_chat(params);
  if (auto* answer = std::get_if<bot_api_answer>(&target))
    return *answer;
  fake_chat& chat = *std::get<fake_chat*>(target);
  const auto text = string_param(params, "text").value_or("");
  const auto parse_mode = string_param(params, "parse_mode").value_or("");
  if (auto refused = check_text(text, parse_mode))
    return *refused;
  if (auto refused = take_send_slot(chat))
    return *refused;
  bot_message m;
  m.chat_id = *int_param(params, "chat_id");
  m.message_id = chat.next_message_id++;
  m.text = text;
  m.parse_mode = parse_mode;
  m.reply_markup = object_param(params, "reply_markup");
  m.reply_to = int_param(params, "reply_to_message_id");
  if (auto reply = object_param(params, "reply_parameters"))
    m.reply_to = int_param(*reply, "message_id");
  return keep_sent(chat, std::move(m));
}

bot_api_answer bot_api_state::keep_sent(fake_chat& chat, bot_message m) {
  m.sent_at = steady_clock::now();
  chat.bot_messages.push_back(m);
  changed.notify_all();
  return ok_answer(message_json(m.chat_id, chat, m.message_id, std::nullopt));
}

bot_api_answer bot_api_state::send_photo(const nlohmann::json& params) {
  auto target = target_chat(params);
  if (auto* answer = std::get_if<bot_api_answer>(&target))
    return *answer;
  fake_chat& chat = *std::get<fake_chat*>(target);
  // Only uploads are modelled (a multipart file part named "photo").
  auto photo = string_param(params, "photo");
  if (!photo || photo->empty())
    return error_answer(400, "Bad Request: there is no photo in the request");
  const auto caption = string_param(params, "caption").value_or("");
  if (caption.size() > 1024)
    return error_answer(400, "Bad Request: message caption is too long");
  if (auto refused = take_send_slot(chat))
    return *refused;
  bot_message m;
  m.chat_id = *int_param(params, "chat_id");
  m.message_id = chat.next_message_id++;
  m.text = caption;
  m.photo = std::move(*photo);
  return keep_sent(chat, std::move(m));
}

bot_api_answer bot_api_state::edit_message_text(const nlohmann::json& params) {
  auto target = target_chat(params);
  if (auto* answer = std::get_if<bot_api_answer>(&target))
    return *answer;
  fake_chat& chat = *std::get<fake_chat*>(target);
  bot_message* m =
    find_bot_message(chat, int_param(params, "message_id").value_or(0));
  if (!m)
    return error_answer(400, "Bad Request: message to edit not found");
  const auto text = string_param(params, "text").value_or("");
  const auto parse_mode = string_param(params, "parse_mode").value_or("");
  if (auto refused = check_text(text, parse_mode))
    return *refused;
  auto markup = object_param(params, "reply_markup");
  if (text == m->text && markup == m->reply_markup)
    return error_answer(
      400, "Bad Request: message is not modified: specified new message "
           "content and reply markup are exactly the same as a current "
           "content and reply markup of the message");
  if (options.enforce_limits)
    if (auto refused = take_send_slot(chat))
      return *refused;
  m->edits.push_back(m->text);
  m->text = text;
  m->parse_mode = parse_mode;
  m->reply_markup = std::move(markup);
  changed.notify_all();
  return ok_answer(message_json(m->chat_id, chat, m->message_id, std::nullopt));
}

bot_api_answer bot_api_state::send_chat_action(const nlohmann::json& params) {
  auto target = target_chat(params);
  if (auto* answer = std::get_if<bot_api_answer>(&target))
    return *answer;
  auto action = string_param(params, "action");
  if (!action || action->empty())
    return error_answer(400, "Bad Request: action is empty");
  std::get<fake_chat*>(target)->actions.push_back(*action);
  changed.notify_all();
  return ok_answer(true);
}

bot_api_answer
bot_api_state::answer_callback_query(const nlohmann::json& params) {
  auto id = string_param(params, "callback_query_id").value_or("");
  auto it = open_callbacks.find(id);
  if (it == open_callbacks.end())
    return error_answer(400, "Bad Request: query is too old and response "
                             "timeout expired or query ID is invalid");
  open_callbacks.erase(it);
  answered_callbacks.push_back(id);
  changed.notify_all();
  return ok_answer(true);
}

bot_api_answer bot_api_state::delete_message(const nlohmann::json& params) {
  auto target = target_chat(params);
  if (auto* answer = std::get_if<bot_api_answer>(&target))
    return *answer;
  bot_message* m = find_bot_message(
    *std::get<fake_chat*>(target), int_param(params, "message_id").value_or(0));
  if (!m)
    return error_answer(400, "Bad Request: message to delete not found");
  m->deleted = true;
  changed.notify_all();
  return ok_answer(true);
}

bot_api_answer bot_api_state::set_webhook(const nlohmann::json& params,
                                          bool active) {
  webhook_active = active;
  if (!active && bool_param(params, "drop_pending_updates")) {
    if (!updates.empty())
      confirmed_offset = updates.back().id + 1;
    updates.clear();
  }
  // A waiting poll ends with 409, as Telegram's does.
  ++poll_generation;
  changed.notify_all();
  return ok_answer(true);
}

fake_chat& bot_api_state::chat(std::int64_t id, std::string_view type) {
  auto [it, added] = chats.try_emplace(id);
  if (added)
    it->second.type = std::string{type};
  return it->second;
}

std::int64_t bot_api_state::push_update(
  const std::function<std::string(std::int64_t)>& make) {
  const std::int64_t id = next_update_id++;
  updates.push_back({id, make(id)});
  changed.notify_all();
  return id;
}

std::int64_t bot_api_state::bot_id() const {
  const auto& token = options.token;
  std::int64_t id = 0;
  for (char c : token.substr(0, token.find(':')))
    id = id * 10 + (c - '0');
  return id;
}

std::int64_t bot_api_state::now_date() const {
  using namespace std::chrono;
  const auto since_epoch = system_clock::now().time_since_epoch();
  return options.dates_in_milliseconds
           ? duration_cast<milliseconds>(since_epoch).count()
           : duration_cast<seconds>(since_epoch).count();
}

nlohmann::json bot_api_state::user_json(std::int64_t user_id) const {
  const auto id = std::to_string(user_id);
  return {{"id", user_id},
          {"is_bot", false},
          {"first_name", "User " + id},
          {"username", "user_" + id},
          {"language_code", "en"}};
}

nlohmann::json bot_api_state::chat_json(std::int64_t chat_id,
                                        const fake_chat& c) const {
  nlohmann::json out = {{"id", chat_id}, {"type", c.type}};
  if (c.type == "private")
    out["first_name"] = "User " + std::to_string(chat_id);
  else
    out["title"] = "Chat " + std::to_string(chat_id);
  return out;
}

nlohmann::json
bot_api_state::message_json(std::int64_t chat_id, const fake_chat& c,
                            std::int64_t message_id,
                            std::optional<std::int64_t> from_user) const {
  nlohmann::json out = {{"message_id", message_id},
                        {"chat", chat_json(chat_id, c)},
                        {"date", now_date()}};
  if (from_user) {
    out["from"] = user_json(*from_user);
  } else {
    out["from"] = {{"id", bot_id()},
                   {"is_bot", true},
                   {"first_name", "Telclaude Test"},
                   {"username", options.bot_username}};
    for (const auto& m : c.bot_messages)
      if (m.message_id == message_id) {
        out["text"] = m.text;
        if (m.reply_markup)
          out["reply_markup"] = *m.reply_markup;
      }
  }
  return out;
}

bot_api_answer bot_api_state::get_me() const {
  return ok_answer({{"id", bot_id()},
                    {"is_bot", true},
                    {"first_name", "Telclaude Test"},
                    {"username", options.bot_username},
                    {"can_join_groups", true},
                    {"can_read_all_group_messages", false},
                    {"supports_inline_queries", false}});
}

} // namespace telclaude::testing
