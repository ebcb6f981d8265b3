#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::telegram {

/// Telegram's limit on a message's text, in UTF-16 code units.
inline constexpr std::size_t max_message_utf16 = 4096;

/// The length of UTF-8 `text` in UTF-16 code units, the unit Telegram counts
/// in: a code point above U+FFFF counts 2. Each byte of an invalid sequence
/// counts 1 (it becomes one U+FFFD).
std::size_t utf16_length(std::string_view text);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD, so it can be
/// sent (Telegram and JSON writers reject invalid UTF-8).
std::string sanitize_utf8(std::string_view text);

/// Splits `text` into messages of at most `max_utf16` UTF-16 code units.
///
/// Cuts prefer a paragraph break (a blank line, or the start of a code
/// block), then a line break, then a blank between words; a word longer
/// than a message is cut between code points, never inside a UTF-8
/// sequence or a surrogate pair, and not next to a zero-width joiner or a
/// combining mark when avoidable. A ``` code block cut in two is closed at
/// the end of one part and reopened with its language at the start of the
/// next; the added fence lines count toward the limit. Blank lines at a cut
/// are dropped. Invalid UTF-8 is replaced (see `sanitize_utf8`).
/// Empty text gives no parts. Fences are only repaired when `max_utf16` is
/// at least 80.
std::vector<std::string> split_message(std::string_view text,
                                       std::size_t max_utf16 =
                                         max_message_utf16);

} // namespace telclaude::telegram
