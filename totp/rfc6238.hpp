#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::totp {

/// Raw secret bytes (20 for the secrets this project generates).
using secret_bytes = std::vector<std::uint8_t>;

/// RFC 4648 base32 of `bytes`, upper case, without `=` padding (the form
/// authenticator apps expect in an otpauth URI).
std::string base32_encode(std::span<const std::uint8_t> bytes);

/// Decodes base32 as people type it: case-insensitive, spaces, hyphens and
/// trailing `=` ignored. nullopt for any other character or leftover bits
/// that cannot come from whole bytes.
std::optional<secret_bytes> base32_decode(std::string_view text);

/// The RFC 6238 time step holding `unix_seconds` (period 30 s).
std::uint64_t step_at(std::int64_t unix_seconds, int period = 30);

/// The HOTP code (HMAC-SHA-1, RFC 4226 dynamic truncation) of `step`,
/// zero-padded to `digits` (6 or 8).
std::string code_for_step(std::span<const std::uint8_t> secret,
                          std::uint64_t step, int digits = 6);

/// The TOTP code at `unix_seconds` with a 30-second period.
std::string code_at(std::span<const std::uint8_t> secret,
                    std::int64_t unix_seconds, int digits = 6);

/// The step whose code equals `code`, trying the current step first and
/// then up to `drift` steps either way; nullopt when none matches. Codes
/// are compared in constant time.
std::optional<std::uint64_t> match_step(std::span<const std::uint8_t> secret,
                                        std::string_view code,
                                        std::int64_t unix_seconds,
                                        int drift = 1, int digits = 6);

/// A fresh random secret from OpenSSL's CSPRNG (20 bytes: SHA-1's size,
/// RFC 4226's recommendation). Throws std::runtime_error if the CSPRNG
/// fails.
secret_bytes generate_secret(std::size_t size = 20);

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`.
std::string percent_encode(std::string_view text);

/// `otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1
/// &digits=6&period=30`, the Key URI format authenticator apps read;
/// issuer and account percent-encoded.
std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::span<const std::uint8_t> secret);

} // namespace telclaude::totp
