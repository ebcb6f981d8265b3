#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace telclaude::security {

/// How the redacted byte range is derived from a match's end offset `to`.
/// Hyperscan runs without start-of-match for CORE patterns (SOM is costly
/// and breaks on bounded repeats), so each pattern says where its secret
/// lies relative to `to`; every rule depends only on the text, never on how
/// it was chunked.
enum class extent : std::uint8_t {
  /// The secret starts `value_len` bytes before `to` and extends forward
  /// over `fwd` bytes (capped at `max_len`).
  value,
  /// The secret is the run of `back` bytes ending at `to` (at most
  /// `max_back` bytes back), extended forward over `fwd` bytes.
  token,
  /// `scheme://user:PASSWORD@`: the password between the first ':' of the
  /// authority and the '@' that ends the match.
  url_password,
  /// Everything from `to` to the next `block_end` match, or `max_len`
  /// bytes, or the end of the stream (fail-closed).
  block,
  /// Closes an open `block` (not a secret by itself).
  block_end,
  /// `keyword["']? : "value"`: Hyperscan finds the keyword (`trigger`),
  /// the separator and quotes are parsed by hand (a regex for them costs
  /// 3x the whole scan), the value extends over `fwd` and must be at least
  /// `value_len` bytes.
  assignment,
  /// `keyword value` (`Bearer <credential>`): as `assignment`, whitespace
  /// instead of a separator.
  spaced,
  /// Discord's `id.time.hmac`: found from token runs (no literal for
  /// Hyperscan to anchor on), checked by hand.
  dotted,
};

/// Extra test a candidate value must pass (placeholders, identifiers).
enum class value_check : std::uint8_t { none, assignment };

/// One CORE pattern: never configurable, never removable.
struct core_pattern {
  std::string_view id;       ///< the `<pattern id>` of `[REDACTED:<id>]`
  std::string_view family;   ///< human name, for docs and the self-test
  std::string_view regex;    ///< the full pattern (ECMAScript, docs)
  /// What Hyperscan scans for: the regex itself, or only the keyword of an
  /// `assignment`; empty for `dotted`.
  std::string_view trigger;
  bool caseless;
  extent kind;
  std::uint16_t value_len;   ///< `extent::value`: bytes before `to`
  std::uint16_t back;        ///< `extent::token`: alphabet scanned back
  std::uint16_t fwd;         ///< alphabet the secret extends forward over
  std::uint32_t max_len;     ///< cap on the secret's length (block: cap)
  value_check check;
};

/// Bytes a `token` secret may reach back from its match end.
inline constexpr std::uint32_t token_max_back = 128;

/// The CORE set, most specific first: when redacted ranges overlap, the
/// earliest entry names the merged marker.
std::span<const core_pattern> core_patterns();

/// True when `value` (the bytes after `password=`, `token:` ...) looks like
/// a real secret: long enough, not a path, placeholder or identifier.
bool plausible_assignment_value(std::string_view value);

} // namespace telclaude::security
