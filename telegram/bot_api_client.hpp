#pragma once

#include "telegram/types.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef void CURL;

namespace telclaude::telegram {

/// Timeouts of a `bot_api_client`.
struct client_options {
  std::chrono::milliseconds connect_timeout{10'000};
  /// Whole-request timeout of every call but `getUpdates`.
  std::chrono::milliseconds request_timeout{30'000};
  /// Added to the long-poll timeout for `getUpdates`' request timeout.
  std::chrono::milliseconds poll_margin{10'000};
};

/// Options of `sendMessage` and `editMessageText`.
struct send_options {
  /// "HTML", "MarkdownV2", or empty for plain text.
  std::string parse_mode;
  /// The message this one answers (sendMessage only).
  std::optional<std::int64_t> reply_to;
  /// An `InlineKeyboardMarkup` (or other markup) object.
  std::optional<nlohmann::json> reply_markup;
  bool disable_preview = false;
};

/// A blocking Telegram Bot API client over libcurl.
///
/// Every call is a JSON POST to `<base_url>/bot<token>/<method>` and gives
/// the value or a `call_error`; the client never retries (the caller owns
/// backoff and `retry_after`). The token appears in no error message.
///
/// Thread-safety: one thread makes the calls of one client (it reuses one
/// connection); `cancel()` and `resume()` may be called from any thread.
class bot_api_client {
public:
  /// `base_url` like "https://api.telegram.org" (no trailing slash needed).
  /// Throws `user_error` "telegram.token" when `token` is not
  /// `<digits>:<characters>`.
  bot_api_client(std::string base_url, std::string token,
                 client_options options = {});
  ~bot_api_client();

  bot_api_client(const bot_api_client&) = delete;
  bot_api_client& operator=(const bot_api_client&) = delete;

  /// Long-polls for updates from `offset` (which confirms all below it),
  /// holding up to `timeout_s` seconds; `limit` 1-100.
  call_result<update_batch> get_updates(std::int64_t offset, int timeout_s,
                                        int limit = 100);

  /// Sends `text` (at most 4096 UTF-16 units; see `split_message`) and
  /// gives the new message's id.
  call_result<std::int64_t> send_message(std::int64_t chat_id,
                                         std::string_view text,
                                         const send_options& options = {});

  /// Replaces the text of a sent message. Unchanged text fails with
  /// `call_error::is_not_modified()`, which callers treat as success.
  call_result<done> edit_message_text(std::int64_t chat_id,
                                      std::int64_t message_id,
                                      std::string_view text,
                                      const send_options& options = {});

  /// Shows "typing..." (or another action) for about 5 seconds.
  call_result<done> send_chat_action(std::int64_t chat_id,
                                     std::string_view action = "typing");

  /// Stops the spinner on a pressed inline button, optionally with a note.
  call_result<done> answer_callback_query(std::string_view callback_query_id,
                                          std::string_view text = {},
                                          bool show_alert = false);

  /// Sends a PNG image (a QR code) with an optional caption (at most 1024
  /// characters) as multipart/form-data; gives the new message's id.
  call_result<std::int64_t> send_photo(std::int64_t chat_id,
                                       const std::vector<std::uint8_t>& png,
                                       std::string_view caption = {},
                                       const send_options& options = {});

  call_result<done> delete_message(std::int64_t chat_id,
                                   std::int64_t message_id);

  /// The bot's own account; the start-up check of the token.
  call_result<bot_user> get_me();

  /// Aborts the call in flight (a long poll returns within milliseconds)
  /// and fails every later call with `error_kind::cancelled` until
  /// `resume()`. For shutdown.
  void cancel();

  /// Lets calls run again after `cancel()`.
  void resume();

private:
  struct http_answer;

  /// POSTs `body` to `method`; the raw status and body, or a network or
  /// cancelled error.
  call_result<http_answer> post(std::string_view method,
                                const nlohmann::json& body,
                                std::chrono::milliseconds timeout);

  /// `text` with the token (plain or URL-encoded) replaced by "<token>".
  std::string scrub(std::string text) const;

  /// Runs one POST whose body `set_body` puts on the handle.
  call_result<http_answer> transfer(std::string_view method,
                                    std::chrono::milliseconds timeout,
                                    const std::function<void(CURL*)>& set_body);

  /// Parses a call's answer; errors scrubbed of the token.
  template <class T, class Parse>
  call_result<T> finish(std::string_view method,
                        call_result<http_answer> answer, Parse parse);

  template <class T, class Parse>
  call_result<T> call(std::string_view method, const nlohmann::json& body,
                      std::chrono::milliseconds timeout, Parse parse);

  struct curl_state;

  std::string base_url_;
  std::string token_;
  client_options options_;
  std::atomic<bool> cancelled_{false};
  std::unique_ptr<curl_state> curl_;
};

} // namespace telclaude::telegram
