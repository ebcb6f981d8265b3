#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::testing {

/// At most `count` messages in any `window`.
struct rate_limit {
  std::size_t count = 1;
  std::chrono::milliseconds window{1000};
};

/// How the loopback Bot API behaves.
struct loopback_bot_api_options {
  std::string token = "123456:loopback-test-token";
  std::string bot_username = "telclaude_test_bot";
  /// Answer a getUpdates with no update at once, ignoring `timeout` (the
  /// npm emulator does this; a relay must not spin on it).
  bool empty_polls_at_once = false;
  /// Telegram clamps `timeout` to 50 s.
  int max_poll_timeout_s = 50;
  /// Send `date` in milliseconds, as the npm emulator does.
  bool dates_in_milliseconds = false;
  /// Answer 400 "chat not found" for a chat no user wrote in (see
  /// `open_chat`).
  bool require_known_chat = true;
  /// Answer sendMessage/editMessageText with 429 and `retry_after` when a
  /// chat or the bot goes over the limits below.
  bool enforce_limits = false;
  rate_limit private_chat{1, std::chrono::seconds{1}};
  rate_limit group_chat{20, std::chrono::seconds{60}};
  rate_limit overall{30, std::chrono::seconds{1}};
  /// HTTP worker threads: each long poll and each idle keep-alive
  /// connection holds one.
  std::size_t threads = 32;
};

/// An injected failure of the next calls of a method.
struct fault {
  int status = 500;
  std::string description = "Internal Server Error";
  std::optional<int> retry_after;
  /// Send this body instead of the Bot API error JSON (an HTML error page).
  std::optional<std::string> raw_body;
  /// Drop the connection in the middle of the answer instead.
  bool close_connection = false;
};

/// A message the bot sent, as it stands now.
struct bot_message {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  /// The text, or a photo's caption.
  std::string text;
  /// The bytes of a photo sent with sendPhoto (uploaded as a file).
  std::optional<std::string> photo;
  std::string parse_mode;
  std::optional<nlohmann::json> reply_markup;
  std::optional<std::int64_t> reply_to;
  /// Earlier texts, oldest first: one entry per successful edit.
  std::vector<std::string> edits;
  bool deleted = false;
  std::chrono::steady_clock::time_point sent_at;

  /// Whether it is a turn's preview, still streaming: it carries a Stop
  /// button (`stop:<turn>`).
  bool is_preview() const;
};

/// One HTTP call the bot made.
struct api_call {
  std::string method;
  /// The parameters, from a JSON, form or query body (form values are
  /// strings, as sent).
  nlohmann::json params;
  /// The HTTP status answered; 0 when the connection was dropped.
  int status = 0;
  std::chrono::steady_clock::time_point at;
};

/// The project's own fake Telegram Bot API on 127.0.0.1 (port 0).
///
/// Serves `/bot<token>/<method>` (JSON, form or query parameters) on its
/// own threads and models what the relay relies on: increasing update ids;
/// updates kept until a later getUpdates confirms them with a higher
/// `offset` (a negative offset keeps only the last updates); long polls
/// held until an update arrives or `timeout` ends; `limit`; 409 for a
/// getUpdates superseded by a newer one and while a webhook is set; 400
/// for empty or too long texts, `message is not modified`, unknown
/// messages and bad HTML; injected faults (any status, `retry_after`,
/// dropped connections); and Telegram's rate limits when enforced.
/// Message ids are per chat. Every member is thread-safe; the destructor
/// releases long polls in flight and stops.
class loopback_bot_api {
public:
  explicit loopback_bot_api(loopback_bot_api_options options = {});
  ~loopback_bot_api();

  loopback_bot_api(const loopback_bot_api&) = delete;
  loopback_bot_api& operator=(const loopback_bot_api&) = delete;

  /// "http://127.0.0.1:<port>", to give the client as its API URL.
  std::string base_url() const;
  const std::string& token() const;
  std::uint16_t port() const;

  // --- The user side: each returns the new update's id. ---

  /// A user writes `text` in a chat.
  std::int64_t post_message(std::int64_t chat_id, std::int64_t user_id,
                            std::string_view text,
                            std::string_view chat_type = "private");
  /// Like post_message, with a `bot_command` entity over the first word
  /// ("/new@telclaude_test_bot now").
  std::int64_t post_command(std::int64_t chat_id, std::int64_t user_id,
                            std::string_view text,
                            std::string_view chat_type = "private");
  /// A message without text: "photo", "sticker", "voice", "document",
  /// "location", or any other field name (given a file-like object).
  std::int64_t post_non_text(std::int64_t chat_id, std::int64_t user_id,
                             std::string_view kind,
                             std::string_view chat_type = "private");
  /// A user edits their message `message_id`.
  std::int64_t post_edited_message(std::int64_t chat_id, std::int64_t user_id,
                                   std::int64_t message_id,
                                   std::string_view text);
  /// A user presses a button with `data` under the bot's `message_id`.
  /// The query's id is "cb-<update id>".
  std::int64_t post_callback(std::int64_t chat_id, std::int64_t user_id,
                             std::int64_t message_id, std::string_view data);
  /// Queues `json` verbatim as an update, with every "{{update_id}}" in it
  /// replaced by the new id; it may be malformed on purpose.
  std::int64_t post_raw_update(std::string_view json);
  /// Makes a chat known without a user writing in it.
  void open_chat(std::int64_t chat_id, std::string_view chat_type = "private");

  // --- Faults and modes. ---

  /// The next `count` calls of `method` ("*" for any) fail with `f`.
  void fail_next(std::string_view method, std::size_t count, fault f);
  /// While active, getUpdates answers 409 (as with a webhook set).
  void set_webhook_active(bool active);
  void set_empty_polls_at_once(bool at_once);

  // --- What the bot did. ---

  /// The bot's messages in a chat, oldest first (deleted ones flagged).
  std::vector<bot_message> messages(std::int64_t chat_id) const;
  /// Waits until the bot sent at least `n` messages to `chat_id` or
  /// `timeout` passes; gives the messages there are then.
  std::vector<bot_message>
  wait_for_messages(std::int64_t chat_id, std::size_t n,
                    std::chrono::milliseconds timeout) const;
  /// Every call, oldest first; only those of `method` when given.
  std::vector<api_call> calls(std::string_view method = {}) const;
  std::size_t get_updates_calls() const;
  /// The actions (e.g. "typing") sent to a chat, oldest first.
  std::vector<std::string> chat_actions(std::int64_t chat_id) const;
  /// The callback query ids the bot answered.
  std::vector<std::string> answered_callbacks() const;
  /// Every update id below this is confirmed (and forgotten).
  std::int64_t confirmed_offset() const;
  /// Waits until `confirmed_offset() >= offset`; false on timeout.
  bool wait_for_confirmed_offset(std::int64_t offset,
                                 std::chrono::milliseconds timeout) const;
  /// Updates posted but not yet confirmed.
  std::size_t pending_updates() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace telclaude::testing
