#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::telegram {

/// `text` with `&`, `<` and `>` escaped as Telegram's HTML mode requires
/// (and `"` too when `quote`, for attribute values).
std::string escape_html(std::string_view text, bool quote = false);

/// The agent's Markdown as Telegram HTML (parse_mode "HTML").
///
/// Fenced code blocks keep their language (`<pre><code
/// class="language-x">`); an unclosed fence runs to the end. Inline code,
/// **bold**, *italic* / _italic_ (not inside words), ~~strike~~, links
/// with an http, https, tg or mailto target, `-`/`*`/`+` lists (shown with
/// "•"), numbered lists as written, `>` quotes (`<blockquote>`) and
/// headings (bold). A marker without its partner stays literal text. The
/// output always has balanced, properly nested tags of Telegram's set and
/// every `<`, `>`, `&` of the text escaped. Invalid UTF-8 is replaced.
std::string markdown_to_html(std::string_view markdown);

/// What a user sees of `html`: tags removed, the four entities decoded.
std::string html_to_plain(std::string_view html);

/// The visible length of `html` in UTF-16 units (tags do not count, an
/// entity counts as one character).
std::size_t html_visible_utf16(std::string_view html);

/// Splits `html` (as markdown_to_html makes it) into parts of at most
/// `max_utf16` visible UTF-16 units each. A cut prefers a line break, then
/// a blank, then falls between code points; tags open at a cut are closed
/// at the end of one part and reopened at the start of the next. The line
/// break at a cut is dropped. Empty input gives no parts.
std::vector<std::string> split_html(std::string_view html,
                                    std::size_t max_utf16 = 4096);

} // namespace telclaude::telegram
