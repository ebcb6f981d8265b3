#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace telclaude::telegram {

/// What an incoming update carries, as far as the relay cares.
enum class update_kind {
  text_message,     ///< a new message with `text` (commands included)
  non_text_message, ///< a new message without text: photo, sticker, ...
  edited_message,   ///< an edit of an earlier message
  callback_query,   ///< a press on an inline keyboard button
  other,            ///< anything else (channel posts, member updates, ...)
};

/// One update from `getUpdates` (or a webhook), flattened.
///
/// Fields that the kind does not carry stay empty or zero. `raw` is the
/// update's JSON (minified) so the inbox can store it and
/// `parse_update(raw)` gives the same update back after a restart.
struct update {
  std::int64_t update_id = 0;
  update_kind kind = update_kind::other;
  std::int64_t chat_id = 0;
  /// "private", "group", "supergroup" or "channel"; empty when unknown.
  std::string chat_type;
  std::int64_t user_id = 0;
  std::string username;
  std::string first_name;
  std::int64_t message_id = 0;
  /// Unix seconds (normalised when a peer sent milliseconds).
  std::int64_t date = 0;
  /// "text", or the first content field of a non-text message ("photo",
  /// "sticker", "voice", ...), "unknown" when none is recognised.
  std::string content_type;
  std::string text;
  std::string callback_data;
  std::string callback_query_id;
  std::string raw;
};

/// The error object of a failed Bot API call:
/// `{"ok":false,"error_code":N,"description":"...","parameters":{...}}`.
struct api_error {
  int error_code = 0;
  std::string description;
  /// Seconds to wait before the next call (429 only).
  std::optional<int> retry_after;
  /// The supergroup a group was upgraded to (400 only).
  std::optional<std::int64_t> migrate_to_chat_id;
};

/// Why a call failed.
enum class error_kind {
  network,   ///< no HTTP answer: refused, reset, timed out, truncated
  api,       ///< an HTTP error status or an `ok:false` answer
  protocol,  ///< an answer that is not the Bot API's JSON shape
  cancelled, ///< aborted by `bot_api_client::cancel()`
};

/// The error of a failed call. `message` never contains the bot token.
struct call_error {
  error_kind kind = error_kind::network;
  /// Set for `error_kind::api`; for a non-JSON error page `error_code` is
  /// the HTTP status.
  api_error api;
  std::string message;

  /// 429 Too Many Requests: wait `retry_after()` seconds.
  bool is_rate_limited() const {
    return kind == error_kind::api && api.error_code == 429;
  }
  /// 409: another poller runs, or a webhook is set.
  bool is_conflict() const {
    return kind == error_kind::api && api.error_code == 409;
  }
  /// `editMessageText` with unchanged content: callers treat as success.
  bool is_not_modified() const;
  /// `can't parse entities`: resend the text without a parse mode.
  bool is_entity_parse_error() const;
  /// Worth retrying after a backoff: network, 429, 5xx.
  bool is_transient() const {
    return kind == error_kind::network || is_rate_limited() ||
           (kind == error_kind::api && api.error_code >= 500);
  }
  /// The server's `retry_after` in seconds, if it gave one.
  std::optional<int> retry_after() const {
    return api.retry_after;
  }
};

/// Either the value of a successful call or its error.
template <class T>
class call_result {
public:
  call_result(T value) : state_(std::move(value)) {
  }
  call_result(call_error error) : state_(std::move(error)) {
  }

  bool ok() const {
    return state_.index() == 0;
  }
  explicit operator bool() const {
    return ok();
  }
  /// The value; only when `ok()`.
  T& value() {
    return std::get<0>(state_);
  }
  const T& value() const {
    return std::get<0>(state_);
  }
  /// The error; only when `!ok()`.
  const call_error& error() const {
    return std::get<1>(state_);
  }

private:
  std::variant<T, call_error> state_;
};

/// A call that returns nothing but success (`"result": true`).
struct done {};

/// The result of `getUpdates`: the updates that parsed, and the offset that
/// confirms everything seen, including updates that were skipped as
/// malformed.
struct update_batch {
  std::vector<update> updates;
  /// Highest update_id seen + 1; nullopt when the batch was empty.
  std::optional<std::int64_t> next_offset;
  /// update_ids of updates that were malformed and skipped.
  std::vector<std::int64_t> skipped;
  /// Malformed entries whose update_id could not be read at all.
  std::size_t unreadable = 0;
};

/// The bot's own account, from `getMe`.
struct bot_user {
  std::int64_t id = 0;
  std::string username;
  std::string first_name;
};

} // namespace telclaude::telegram
