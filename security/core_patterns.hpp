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

/// A set of byte values.
struct byte_set {
  std::uint64_t bits[4] = {};

  constexpr bool has(char c) const {
    const auto b = static_cast<unsigned char>(c);
    return ((bits[b >> 6] >> (b & 63)) & 1u) != 0;
  }
  constexpr void add(unsigned char b) {
    bits[b >> 6] |= std::uint64_t{1} << (b & 63);
  }
};

/// The bytes of a bracket-expression body such as `A-Za-z0-9_-` (ranges
/// `x-y`, a `-` first or last is literal, `\s` is Hyperscan's whitespace
/// `[\t\n\v\f\r ]`); `negate` makes it `[^...]`.
constexpr byte_set make_byte_set(std::string_view spec, bool negate = false) {
  byte_set s;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const auto c = static_cast<unsigned char>(spec[i]);
    if (c == '\\' && i + 1 < spec.size() && spec[i + 1] == 's') {
      for (unsigned char w : {9, 10, 11, 12, 13, 32}) {
        s.add(w);
      }
      ++i;
    } else if (i + 2 < spec.size() && spec[i + 1] == '-') {
      for (unsigned b = c; b <= static_cast<unsigned char>(spec[i + 2]); ++b) {
        s.add(static_cast<unsigned char>(b));
      }
      i += 2;
    } else {
      s.add(c);
    }
  }
  if (negate) {
    for (auto& w : s.bits) {
      w = ~w;
    }
  }
  return s;
}

/// What a probe step matches.
enum class step_kind : std::uint8_t {
  run,       ///< `min`..`max` bytes of `set`
  text,      ///< exactly `text`
  words,     ///< one of `words` (none a prefix of another)
  pem_label  ///< `[set]{0,40}PRIVATE KEY` (+ ` BLOCK` when `block`)
};

/// One step of a probe: what must follow a trigger literal for the full
/// pattern to match. Steps are matched greedily, without backtracking, so
/// a `run` with `min < max` must be followed by a step whose first byte it
/// cannot take (then greedy matching is exact; `probe_test` checks every
/// probe against Hyperscan running the full regex).
struct probe_step {
  step_kind kind = step_kind::run;
  byte_set set{};
  std::uint16_t min = 0;
  std::uint16_t max = 0;
  std::string_view text{};
  std::span<const std::string_view> words{};
  bool block = false;
};

/// One CORE pattern: never configurable, never removable.
struct core_pattern {
  std::string_view id;       ///< the `<pattern id>` of `[REDACTED:<id>]`
  std::string_view family;   ///< human name, for docs and the self-test
  std::string_view regex;    ///< the full pattern (ECMAScript, docs)
  /// What Hyperscan scans for: the keyword of an `assignment`, the literal
  /// start of a token (then `tail` holds the rest), a whole regex; empty
  /// for `dotted`.
  std::string_view trigger;
  bool caseless;
  extent kind;
  std::uint16_t value_len;   ///< `extent::value`: bytes before `to`
  std::uint16_t back;        ///< `extent::token`: alphabet scanned back
  std::uint16_t fwd;         ///< alphabet the secret extends forward over
  std::uint32_t max_len;     ///< cap on the secret's length (block: cap)
  value_check check;
  /// What must follow `trigger` (checked by hand, byte by byte, as the
  /// stream arrives); empty: the trigger match is the pattern match.
  std::span<const probe_step> tail = {};
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
