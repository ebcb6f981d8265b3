#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace telclaude::security {

/// A control-plane command: handled by the relay, never forwarded to the
/// agent. (`/new` and `/reset` are reset triggers, handled by chat/.)
enum class control_kind {
  approve,  // /approve <code>: an approval, or the first admin claim
  deny,     // /deny <code>
  link,     // /link <code>: link this Telegram user with a link code
  unlink,   // /unlink
  whoami,   // /whoami
  setup_2fa,    // /setup-2fa: start TOTP set-up (private chats)
  verify_2fa,   // /verify-2fa <6 digits>: finish set-up, or open a session
  disable_2fa,  // /disable-2fa <6 digits>
  logout_2fa,   // /2fa-logout: end the 2FA session
  skip_totp,    // /skip-totp: a session without a code, where allowed
  stop,         // /stop, or a Stop button (`stop:<turn>`, code = turn)
  status,       // /status: what runs in this chat, what is queued
};

/// "approve", "deny", "link", "unlink", "whoami", "setup-2fa",
/// "verify-2fa", "disable-2fa", "2fa-logout", "skip-totp", "stop" or
/// "status".
std::string_view to_string(control_kind kind) noexcept;

/// A well-formed control command; `code` is normalised (upper case) for
/// approve/deny/link, the six digits for verify-2fa/disable-2fa, the turn
/// number (decimal) of a Stop button, and empty otherwise.
struct control_command {
  control_kind kind = control_kind::whoami;
  std::string code;

  friend bool operator==(const control_command&,
                         const control_command&) = default;
};

/// A control command that cannot be carried out as written. Still never
/// forwarded to the agent.
struct control_error {
  control_kind kind = control_kind::whoami;
  /// Stable reason for the audit log: "missing_code", "malformed_code",
  /// "unexpected_argument", "too_long", "unknown_action".
  std::string reason;
  /// What to tell the user; never echoes what they sent.
  std::string user_message;
};

/// Ordinary text (or a command that is not a control command).
struct not_control {};

/// A control command addressed to another bot (`/whoami@other_bot`):
/// neither ours nor for the agent; dropped.
struct other_bot {};

/// What parse_control_command found.
using control_parse =
  std::variant<not_control, control_command, control_error, other_bot>;

/// Parses `text` as a control command. Leading and repeated whitespace
/// (spaces, tabs, newlines) is ignored, the command word is matched
/// without regard to case, and an `@name` suffix must name `bot_username`
/// (without its `@`, case-insensitive) or the result is other_bot; an
/// empty bot_username accepts any suffix. Codes are checked with
/// auth_code: 8 symbols for approve/deny, 10 for link; TOTP codes are six
/// digits. `_` may stand for `-` in a command word (`/setup_2fa`), since
/// Telegram only makes commands of letters, digits and underscores.
control_parse parse_control_command(std::string_view text,
                                    std::string_view bot_username);

/// Telegram's limit on an inline button's callback_data, in bytes.
inline constexpr std::size_t max_callback_data_bytes = 64;

/// What an Approve, Deny or Stop button asks: kind is approve, deny or
/// stop.
using callback_parse = std::variant<control_command, control_error>;

/// Parses callback data `approve:<code>` / `deny:<code>` (exact case of
/// the action, code normalised) and `stop:<turn>` (1 to 20 decimal
/// digits, code = the digits); anything else, or more than 64 bytes, is a
/// control_error.
callback_parse parse_callback_data(std::string_view data);

/// "approve:<code>", "deny:<code>" or "stop:<turn>".
std::string make_callback_data(control_kind kind, std::string_view code);

/// One inline keyboard button.
struct inline_button {
  std::string label;
  std::string callback_data;
};

/// The message asking for one approval, and its two buttons.
struct approval_prompt {
  std::string text;
  std::vector<inline_button> buttons;
};

/// Shows what will run (`request`, cut to 1000 bytes at a UTF-8 boundary
/// with "…"), the code, how long it is valid, and Approve / Deny buttons.
approval_prompt make_approval_prompt(std::string_view request,
                                     std::string_view code,
                                     std::chrono::minutes ttl);

} // namespace telclaude::security
