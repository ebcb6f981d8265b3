#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace telclaude::config {

/// Where a JSON text stops being valid, for config.syntax messages.
struct syntax_error_location {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
  std::string problem;     // "expected ',' or '}'", ...
};

/// Finds the first syntax error in `text` (RFC 8259 JSON), or nullopt when
/// the text is well-formed. simdjson is the parser of record but does not
/// say where an error is; this small checker runs only after simdjson has
/// rejected a file, to point at the spot.
std::optional<syntax_error_location> locate_syntax_error(std::string_view text);

} // namespace telclaude::config
