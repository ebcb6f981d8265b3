#define BOOST_TEST_MODULE rfc6238
#include <boost/test/unit_test.hpp>

#include <string>

#include "totp/rfc6238.hpp"

using namespace telclaude::totp;

namespace {

secret_bytes bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

} // namespace

BOOST_AUTO_TEST_CASE(base32_encodes_the_rfc4648_vectors_without_padding) {
  BOOST_TEST(base32_encode(bytes_of("")) == "");
  BOOST_TEST(base32_encode(bytes_of("f")) == "MY");
  BOOST_TEST(base32_encode(bytes_of("fo")) == "MZXQ");
  BOOST_TEST(base32_encode(bytes_of("foo")) == "MZXW6");
  BOOST_TEST(base32_encode(bytes_of("foob")) == "MZXW6YQ");
  BOOST_TEST(base32_encode(bytes_of("fooba")) == "MZXW6YTB");
  BOOST_TEST(base32_encode(bytes_of("foobar")) == "MZXW6YTBOI");
}

BOOST_AUTO_TEST_CASE(base32_decodes_as_people_type_it) {
  BOOST_TEST((base32_decode("MZXW6YTBOI") == bytes_of("foobar")));
  BOOST_TEST((base32_decode("MZXW6YTBOI======") == bytes_of("foobar")));
  BOOST_TEST((base32_decode("mzxw 6ytb-oi") == bytes_of("foobar")));
  BOOST_TEST((base32_decode("MY======") == bytes_of("f")));
  BOOST_TEST((base32_decode("") == bytes_of("")));
  BOOST_TEST(!base32_decode("MZXW1"));   // '1' is not in the alphabet
  BOOST_TEST(!base32_decode("MZX=W6"));  // '=' only at the end
  BOOST_TEST(!base32_decode("M"));       // 5 bits: no whole byte
  BOOST_TEST(!base32_decode("MZX"));     // 15 bits: a character too many
}

BOOST_AUTO_TEST_CASE(base32_round_trips_random_secrets) {
  for (int i = 0; i < 100; ++i) {
    auto secret = generate_secret(static_cast<std::size_t>(1 + i % 40));
    BOOST_TEST((base32_decode(base32_encode(secret)) == secret));
  }
}

// RFC 6238 Appendix B, the SHA-1 rows: 8 digits, the 20-byte ASCII key.
BOOST_AUTO_TEST_CASE(codes_match_the_rfc6238_sha1_vectors) {
  auto key = bytes_of("12345678901234567890");
  struct row {
    std::int64_t time;
    const char* code;
  };
  for (auto [time, code] : {row{59, "94287082"}, row{1111111109, "07081804"},
                            row{1111111111, "14050471"},
                            row{1234567890, "89005924"},
                            row{2000000000, "69279037"},
                            row{20000000000, "65353130"}}) {
    BOOST_TEST(code_at(key, time, 8) == code, "T=" << time);
    // The 6-digit code is the last six digits of the same value.
    BOOST_TEST(code_at(key, time, 6) == std::string{code}.substr(2));
  }
}

// RFC 4226 Appendix D: HOTP values of counters 0..9.
BOOST_AUTO_TEST_CASE(hotp_matches_the_rfc4226_vectors) {
  auto key = bytes_of("12345678901234567890");
  const char* expected[] = {"755224", "287082", "359152", "969429",
                            "338314", "254676", "287922", "162583",
                            "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c)
    BOOST_TEST(code_for_step(key, c) == expected[c]);
}

BOOST_AUTO_TEST_CASE(steps_are_thirty_seconds) {
  BOOST_TEST(step_at(0) == 0u);
  BOOST_TEST(step_at(29) == 0u);
  BOOST_TEST(step_at(30) == 1u);
  BOOST_TEST(step_at(1111111109) == 37037036u);
}

BOOST_AUTO_TEST_CASE(a_code_matches_one_step_of_drift_either_way) {
  auto key = generate_secret();
  std::int64_t now = 1'700'000'015;
  auto step = step_at(now);
  BOOST_TEST((match_step(key, code_at(key, now), now) == step));
  BOOST_TEST((match_step(key, code_for_step(key, step - 1), now) == step - 1));
  BOOST_TEST((match_step(key, code_for_step(key, step + 1), now) == step + 1));
  auto far_back = code_for_step(key, step - 2);
  auto far_ahead = code_for_step(key, step + 2);
  for (auto d = -1; d <= 1; ++d) {
    // Skip the rare secret whose codes two steps apart coincide.
    if (far_back == code_for_step(key, step + static_cast<std::uint64_t>(d)))
      return;
    if (far_ahead == code_for_step(key, step + static_cast<std::uint64_t>(d)))
      return;
  }
  BOOST_TEST(!match_step(key, far_back, now));
  BOOST_TEST(!match_step(key, far_ahead, now));
}

BOOST_AUTO_TEST_CASE(malformed_codes_never_match) {
  auto key = generate_secret();
  std::int64_t now = 1'700'000'000;
  auto code = code_at(key, now);
  BOOST_TEST(!match_step(key, code.substr(0, 5), now));
  BOOST_TEST(!match_step(key, code + "0", now));
  BOOST_TEST(!match_step(key, "", now));
}

BOOST_AUTO_TEST_CASE(the_first_steps_do_not_underflow) {
  auto key = bytes_of("12345678901234567890");
  BOOST_TEST((match_step(key, "755224", 0) == 0u));
  BOOST_TEST((match_step(key, "287082", 0) == 1u));
}

BOOST_AUTO_TEST_CASE(generated_secrets_are_20_random_bytes) {
  auto a = generate_secret();
  auto b = generate_secret();
  BOOST_TEST(a.size() == 20u);
  BOOST_TEST((a != b));
}

BOOST_AUTO_TEST_CASE(percent_encoding_keeps_only_unreserved_characters) {
  BOOST_TEST(percent_encode("tg:42") == "tg%3A42");
  BOOST_TEST(percent_encode("a b/é?&=") == "a%20b%2F%C3%A9%3F%26%3D");
  BOOST_TEST(percent_encode("AZaz09-._~") == "AZaz09-._~");
}

BOOST_AUTO_TEST_CASE(the_otpauth_uri_has_the_documented_shape) {
  auto key = bytes_of("12345678901234567890");
  BOOST_TEST(otpauth_uri("telclaude", "tg:42", key)
             == "otpauth://totp/telclaude:tg%3A42?secret="
                "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=telclaude"
                "&algorithm=SHA1&digits=6&period=30");
}
