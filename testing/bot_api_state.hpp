#pragma once

#include "testing/loopback_bot_api.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <functional>
#include <set>
#include <variant>

namespace telclaude::testing {

/// What the fake answers to one call: a status and a body, or a
/// connection dropped in the middle of the answer.
struct bot_api_answer {
  int status = 200;
  std::string body;
  bool close_connection = false;
};

/// One chat as the fake sees it.
struct fake_chat {
  std::string type = "private";
  /// Message ids are per chat, shared by the user's and the bot's messages.
  std::int64_t next_message_id = 1;
  std::vector<bot_message> bot_messages;
  std::vector<std::string> actions;
  /// When the bot's recent messages were sent, for the rate limits.
  std::deque<std::chrono::steady_clock::time_point> sends;
};

/// An update posted by the user side, kept until confirmed.
struct queued_update {
  std::int64_t id = 0;
  std::string json;
};

/// Everything the loopback Bot API knows, guarded by one mutex; the HTTP
/// layer (loopback_bot_api.cpp) calls `handle` for each request.
struct bot_api_state {
  using time_point = std::chrono::steady_clock::time_point;

  explicit bot_api_state(loopback_bot_api_options o)
    : options(std::move(o)) {
  }

  /// Answers one Bot API call. `lock` holds `mutex`; a long poll releases
  /// it while it waits.
  bot_api_answer handle(std::string_view method, const nlohmann::json& params,
                        std::unique_lock<std::mutex>& lock);

  /// The chat, made known with `type` when new.
  fake_chat& chat(std::int64_t id, std::string_view type);
  /// Queues an update whose JSON is `make(id)` and wakes long polls.
  std::int64_t push_update(const std::function<std::string(std::int64_t)>& make);
  nlohmann::json user_json(std::int64_t user_id) const;
  nlohmann::json chat_json(std::int64_t chat_id, const fake_chat& chat) const;
  /// A message object as updates and answers carry it.
  nlohmann::json message_json(std::int64_t chat_id, const fake_chat& chat,
                              std::int64_t message_id,
                              std::optional<std::int64_t> from_user) const;
  std::int64_t now_date() const;
  std::int64_t bot_id() const;

  const loopback_bot_api_options options;
  mutable std::mutex mutex;
  /// Notified on every change: new updates, sent messages, confirmations.
  mutable std::condition_variable changed;
  bool stopping = false;
  std::int64_t next_update_id = 100'000;
  std::int64_t confirmed_offset = 0;
  std::deque<queued_update> updates;
  /// Bumped by each getUpdates; a waiting poll that sees it move was
  /// superseded and answers 409.
  std::uint64_t poll_generation = 0;
  bool webhook_active = false;
  bool empty_polls_at_once = false;
  std::map<std::int64_t, fake_chat> chats;
  std::map<std::string, std::deque<fault>, std::less<>> faults;
  std::set<std::string, std::less<>> open_callbacks;
  std::vector<std::string> answered_callbacks;
  std::vector<api_call> calls;
  std::size_t get_updates_calls = 0;
  std::deque<time_point> overall_sends;

private:
  bot_api_answer get_updates(const nlohmann::json& params,
                             std::unique_lock<std::mutex>& lock);
  bot_api_answer send_message(const nlohmann::json& params);
  bot_api_answer send_photo(const nlohmann::json& params);
  /// Records a message the bot sent (stamped now) and answers with it.
  bot_api_answer keep_sent(fake_chat& chat, bot_message m);
  bot_api_answer edit_message_text(const nlohmann::json& params);
  bot_api_answer send_chat_action(const nlohmann::json& params);
  bot_api_answer answer_callback_query(const nlohmann::json& params);
  bot_api_answer delete_message(const nlohmann::json& params);
  bot_api_answer set_webhook(const nlohmann::json& params, bool active);
  bot_api_answer get_me() const;

  /// The chat a send goes to, or the 400 answer when there is none.
  std::variant<fake_chat*, bot_api_answer>
  target_chat(const nlohmann::json& params);
  /// The 400 answer for an empty, too long or unparsable text.
  std::optional<bot_api_answer> check_text(const std::string& text,
                                           const std::string& parse_mode) const;
  /// The 429 answer when one more message to `chat` breaks a limit;
  /// otherwise records the send.
  std::optional<bot_api_answer> take_send_slot(fake_chat& chat);
  /// The message `message_id` the bot sent in the chat, or nullptr.
  bot_message* find_bot_message(fake_chat& chat, std::int64_t message_id);
};

/// The length of UTF-8 `text` as Telegram counts it, in UTF-16 units
/// (written apart from telegram/ so the fake checks the relay's splitter).
std::size_t utf16_units(std::string_view text);

/// A successful answer `{"ok":true,"result":...}`.
bot_api_answer ok_answer(const nlohmann::json& result);
/// A Bot API error answer with HTTP status `code`.
bot_api_answer error_answer(int code, const std::string& description,
                            std::optional<int> retry_after = std::nullopt);

} // namespace telclaude::testing
