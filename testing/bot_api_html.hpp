#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace telclaude::testing {

/// What Telegram makes of a `parse_mode: HTML` text.
struct html_parse {
  /// The text users see (tags removed, entities decoded).
  std::string plain;
  /// Why Telegram would refuse it ("Unsupported start tag \"x\" at byte
  /// offset 3"); the answer is "Bad Request: can't parse entities: " + it.
  std::optional<std::string> error;
};

/// Checks `text` the way the Bot API's HTML mode does: only its tags
/// (b, strong, i, em, u, ins, s, strike, del, span, tg-spoiler, a, code,
/// pre, blockquote, tg-emoji), properly nested and closed; `<` and `&` only
/// as part of a tag or an entity.
html_parse parse_html(std::string_view text);

} // namespace telclaude::testing
