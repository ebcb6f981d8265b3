#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace telclaude::security {

/// The symbols of every code: digits and capitals without the look-alikes
/// 0, O, 1, I and L (31 symbols, ~4.95 bits each).
inline constexpr std::string_view code_alphabet =
  "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// What a code is for; fixes its length.
enum class code_kind {
  claim,     // first-time admin claim: 8 symbols, valid 5 minutes
  approval,  // one request's approval: 8 symbols, valid 5 minutes
  link,      // identity link from `telclaude link`: 10 symbols
};

/// 8 for claim and approval codes, 10 for link codes.
std::size_t code_length(code_kind kind) noexcept;

/// A fresh code of `length` symbols drawn uniformly from code_alphabet
/// with OpenSSL's CSPRNG (RAND_bytes, rejection sampling). Throws
/// std::runtime_error when the CSPRNG fails: the caller must refuse.
std::string generate_code(std::size_t length);

/// generate_code(code_length(kind)).
std::string generate_code(code_kind kind);

/// `input` upper-cased when it is exactly `length` symbols of
/// code_alphabet in either case, else nullopt (no trimming: the command
/// parser has split the words already).
std::optional<std::string> normalize_code(std::string_view input,
                                          std::size_t length);

/// Whether normalize_code(input, length) has a value.
bool is_well_formed(std::string_view input, std::size_t length);

/// Equality in time that depends only on the lengths (CRYPTO_memcmp).
bool codes_equal(std::string_view a, std::string_view b) noexcept;

/// Lower-case hex SHA-256 of a normalised code: what storage keeps, so a
/// copy of the database holds no live code.
std::string code_digest(std::string_view normalized_code);

} // namespace telclaude::security
