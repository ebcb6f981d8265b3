#include "totp/rfc6238.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace telclaude::totp {

namespace {

constexpr std::string_view base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_value(char c) {
  if (c >= 'a' && c <= 'z')
    c = static_cast<char>(c - 'a' + 'A');
  auto at = base32_alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::uint32_t power_of_ten(int digits) {
  std::uint32_t p = 1;
  for (int i = 0; i < digits; ++i)
    p *= 10;
  return p;
}

} // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (auto b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32_alphabet[(buffer >> (bits - 5)) & 31u];
      bits -= 5;
    }
  }
  if (bits > 0)
    out += base32_alphabet[(buffer << (5 - bits)) & 31u];
  return out;
}

std::optional<secret_bytes> base32_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  secret_bytes out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '-')
      continue;
    int v = base32_value(c);
    if (v < 0)
      return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
    buffer &= (1u << bits) - 1;
  }
  // Whole bytes leave at most 4 bits over; a fifth is a character too
  // many. The value of the left-over bits is ignored, as most decoders do.
  if (bits >= 5)
    return std::nullopt;
  return out;
}

std::uint64_t step_at(std::int64_t unix_seconds, int period) {
  if (unix_seconds < 0)
    return 0;
  return static_cast<std::uint64_t>(unix_seconds) / static_cast<unsigned>(period);
}

std::string code_for_step(std::span<const std::uint8_t> secret,
                          std::uint64_t step, int digits) {
  if (digits < 6 || digits > 8)
    throw std::invalid_argument("TOTP digits must be between 6 and 8");
  std::array<unsigned char, 8> counter{};
  for (int i = 7; i >= 0; --i) {
    counter[static_cast<std::size_t>(i)] = static_cast<unsigned char>(step);
    step >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
           counter.data(), counter.size(), mac.data(), &mac_size)
        == nullptr
      || mac_size != 20)
    throw std::runtime_error("HMAC-SHA-1 failed");
  auto offset = mac[19] & 0x0f;
  std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24)
                         | (static_cast<std::uint32_t>(mac[offset + 1]) << 16)
                         | (static_cast<std::uint32_t>(mac[offset + 2]) << 8)
                         | static_cast<std::uint32_t>(mac[offset + 3]);
  auto value = binary % power_of_ten(digits);
  std::string out(static_cast<std::size_t>(digits), '0');
  for (auto i = out.size(); i-- > 0; value /= 10)
    out[i] = static_cast<char>('0' + value % 10);
  OPENSSL_cleanse(mac.data(), mac.size());
  return out;
}

std::string code_at(std::span<const std::uint8_t> secret,
                    std::int64_t unix_seconds, int digits) {
  return code_for_step(secret, step_at(unix_seconds), digits);
}

std::optional<std::uint64_t> match_step(std::span<const std::uint8_t> secret,
                                        std::string_view code,
                                        std::int64_t unix_seconds, int drift,
                                        int digits) {
  if (code.size() != static_cast<std::size_t>(digits))
    return std::nullopt;
  auto now = step_at(unix_seconds);
  std::optional<std::uint64_t> found;
  // Every candidate is computed and compared, so the time taken does not
  // say which one matched.
  for (int d = -drift; d <= drift; ++d) {
    if (d < 0 && now < static_cast<std::uint64_t>(-d))
      continue;
    auto step = now + static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
    auto expected = code_for_step(secret, step, digits);
    bool same = CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0;
    if (same && (!found || d == 0))
      found = step;
  }
  return found;
}

secret_bytes generate_secret(std::size_t size) {
  secret_bytes out(size);
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("the system's random generator failed");
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                      || (c >= '0' && c <= '9') || c == '-' || c == '.'
                      || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::span<const std::uint8_t> secret) {
  return "otpauth://totp/" + percent_encode(issuer) + ":"
         + percent_encode(account) + "?secret=" + base32_encode(secret)
         + "&issuer=" + percent_encode(issuer)
         + "&algorithm=SHA1&digits=6&period=30";
}

} // namespace telclaude::totp
