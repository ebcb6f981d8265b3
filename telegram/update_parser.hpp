#pragma once

#include "telegram/types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace telclaude::telegram {

/// Parses a `getUpdates` answer body.
///
/// An `ok:false` body (or an HTTP error status) gives an `api` error; a body
/// that is not JSON or not the Bot API's shape gives a `protocol` error.
/// Within a good body, an update with missing fields or wrong types is
/// skipped; its update_id still advances `next_offset` when it can be read,
/// so one bad update never blocks the queue. Unknown fields are ignored.
call_result<update_batch> parse_get_updates(std::string_view body,
                                            int http_status = 200);

/// Parses one update's JSON, e.g. `update::raw` read back from the inbox.
/// nullopt when the JSON is malformed or lacks what its kind needs.
std::optional<update> parse_update(std::string_view json);

/// A bot command split from a message text.
struct bot_command {
  /// Lower-case name without the slash: "new" for "/New@my_bot now".
  std::string name;
  /// The bot the command is addressed to ("my_bot"), empty when none.
  std::string bot_username;
  /// The rest of the text after the command, leading blanks trimmed.
  std::string args;

  /// True when addressed to no bot or to `username` (any case, with or
  /// without a leading '@').
  bool addressed_to(std::string_view username) const;
};

/// Splits "/cmd@botname args" into its parts; nullopt when `text` does not
/// start with a command.
std::optional<bot_command> parse_command(std::string_view text);

} // namespace telclaude::telegram
