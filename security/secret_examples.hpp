#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::security {

/// A secret planted in its usual surroundings, generated at run time from
/// the documented format (no live-looking token is ever committed).
struct secret_example {
  std::string family;      ///< human name, e.g. "PEM private key (RSA)"
  std::string pattern_id;  ///< the marker expected: [REDACTED:<id>]
  std::string text;        ///< the secret in context (a line or a block)
  /// The secret values: no 8-byte window of them may survive redaction.
  std::vector<std::string> values;
};

/// One example of every CORE family (and each PEM kind), drawn from `rng`.
std::vector<secret_example> make_secret_examples(std::mt19937_64& rng);

/// Ordinary text that resembles secrets but is not (commit ids, UUIDs,
/// checksums, paths, URLs, identifiers, placeholders): must pass untouched.
std::vector<std::string> make_negative_examples(std::mt19937_64& rng);

/// True when some `window`-byte piece of any of `values` appears in `out`.
bool reveals_any(std::string_view out, const std::vector<std::string>& values,
                 std::size_t window = 8);

/// `n` random bytes of `alphabet`.
std::string random_string(std::mt19937_64& rng, std::string_view alphabet,
                          std::size_t n);

namespace alphabets {
inline constexpr std::string_view digits = "0123456789";
inline constexpr std::string_view hex = "0123456789abcdef";
inline constexpr std::string_view upper_digits =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
inline constexpr std::string_view base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view base62 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view base64 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view base64url =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
} // namespace alphabets

} // namespace telclaude::security
