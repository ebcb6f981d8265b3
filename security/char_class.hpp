#pragma once

#include <array>
#include <cstdint>

namespace telclaude::security {

/// Byte alphabets the redactor scans over. Each is one bit of
/// `char_class_table`, so a membership test is one load and one AND.
namespace alpha {
inline constexpr std::uint16_t alnum = 1u << 0;      // [A-Za-z0-9]
inline constexpr std::uint16_t b64url = 1u << 1;     // [A-Za-z0-9_-]
inline constexpr std::uint16_t b64 = 1u << 2;        // [A-Za-z0-9+/=]
inline constexpr std::uint16_t jwt = 1u << 3;        // [A-Za-z0-9_.-]
inline constexpr std::uint16_t telegram = 1u << 4;   // [A-Za-z0-9_:-]
inline constexpr std::uint16_t url = 1u << 5;        // unreserved + a few
inline constexpr std::uint16_t value = 1u << 6;      // assignment values
inline constexpr std::uint16_t base32 = 1u << 7;     // [A-Za-z2-7=]
inline constexpr std::uint16_t entropy = 1u << 8;    // [A-Za-z0-9+/_-]
inline constexpr std::uint16_t visible = 1u << 9;    // 0x21..0x7e
inline constexpr std::uint16_t authority = 1u << 10; // visible minus @ /
inline constexpr std::uint16_t word = 1u << 11;      // [A-Za-z0-9_]
inline constexpr std::uint16_t upper_digit = 1u << 12; // [A-Z0-9]
} // namespace alpha

namespace detail {

constexpr bool is_in(const char* set, unsigned char c) {
  for (; *set != '\0'; ++set) {
    if (static_cast<unsigned char>(*set) == c) {
      return true;
    }
  }
  return false;
}

constexpr std::array<std::uint16_t, 256> make_char_class_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const auto b = static_cast<unsigned char>(c);
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    const bool an = upper || lower || digit;
    const bool vis = c >= 0x21 && c <= 0x7e;
    std::uint16_t m = 0;
    if (an) {
      m |= alpha::alnum;
    }
    if (an || b == '_' || b == '-') {
      m |= alpha::b64url;
    }
    if (an || is_in("+/=", b)) {
      m |= alpha::b64;
    }
    if (an || is_in("_.-", b)) {
      m |= alpha::jwt;
    }
    if (an || is_in("_:-", b)) {
      m |= alpha::telegram;
    }
    if (an || is_in("-._~:/?#@!$&*+=%", b)) {
      m |= alpha::url;
    }
    if (vis && !is_in("\"'`,;()[]{}<>\\", b)) {
      m |= alpha::value;
    }
    if (upper || lower || (c >= '2' && c <= '7') || b == '=') {
      m |= alpha::base32;
    }
    if (an || is_in("+/_-", b)) {
      m |= alpha::entropy;
    }
    if (vis) {
      m |= alpha::visible;
    }
    if (vis && b != '@' && b != '/') {
      m |= alpha::authority;
    }
    if (an || b == '_') {
      m |= alpha::word;
    }
    if (upper || digit) {
      m |= alpha::upper_digit;
    }
    t[c] = m;
  }
  return t;
}

} // namespace detail

/// Membership bits of every byte value (see `alpha`).
inline constexpr std::array<std::uint16_t, 256> char_class_table =
  detail::make_char_class_table();

/// True when byte `c` belongs to every alphabet in `mask`.
constexpr bool in_alphabet(std::uint16_t mask, char c) {
  return (char_class_table[static_cast<unsigned char>(c)] & mask) == mask;
}

} // namespace telclaude::security
