#include "security/auth_code.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace telclaude::security {

namespace {

constexpr bool in_alphabet(char c) noexcept {
  return code_alphabet.find(c) != std::string_view::npos;
}

constexpr char upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

} // namespace

std::size_t code_length(code_kind kind) noexcept {
  return kind == code_kind::link ? 10 : 8;
}

std::string generate_code(std::size_t length) {
  // Bytes at or above the largest multiple of 31 are dropped so every
  // symbol is equally likely.
  constexpr unsigned n = code_alphabet.size();
  constexpr unsigned limit = 256 / n * n;
  std::string code;
  code.reserve(length);
  std::array<unsigned char, 32> buf{};
  while (code.size() < length) {
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
      throw std::runtime_error("the system's random generator failed");
    for (unsigned char b : buf) {
      if (b < limit && code.size() < length)
        code += code_alphabet[b % n];
    }
  }
  OPENSSL_cleanse(buf.data(), buf.size());
  return code;
}

std::string generate_code(code_kind kind) {
  return generate_code(code_length(kind));
}

std::optional<std::string> normalize_code(std::string_view input,
                                          std::size_t length) {
  if (input.size() != length)
    return std::nullopt;
  std::string out;
  out.reserve(length);
  for (char c : input) {
    const char u = upper(c);
    if (!in_alphabet(u))
      return std::nullopt;
    out += u;
  }
  return out;
}

bool is_well_formed(std::string_view input, std::size_t length) {
  return normalize_code(input, length).has_value();
}

bool codes_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string code_digest(std::string_view normalized_code) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(normalized_code.data(), normalized_code.size(), md.data(),
                 &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

} // namespace telclaude::security
