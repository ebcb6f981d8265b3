#pragma once

#include "core/error.hpp"
#include "telegram/types.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string_view>

namespace telclaude::telegram {

/// Opens a Bot API answer `{"ok":...,"result":...}` with `parser`.
///
/// On success gives the `result` element (valid while `parser` lives and is
/// not reused). `ok:false` or a non-2xx status gives an `api` error carrying
/// the error object; a 2xx body that is not that shape a `protocol` error.
call_result<simdjson::dom::element>
open_response(simdjson::dom::parser& parser, std::string_view body,
              int http_status);

/// The `message_id` of a `sendMessage` answer.
call_result<std::int64_t> parse_sent_message(std::string_view body,
                                             int http_status = 200);

/// A call whose result is `true` or an object we do not need.
call_result<done> parse_done(std::string_view body, int http_status = 200);

/// The `getMe` answer.
call_result<bot_user> parse_bot_user(std::string_view body,
                                     int http_status = 200);

/// The user-facing error (stable `telegram.*` code, docs/errors.md) for a
/// call that failed where the relay cannot go on, e.g. `getMe` at start-up.
telclaude::user_error to_user_error(const call_error& error);

} // namespace telclaude::telegram
