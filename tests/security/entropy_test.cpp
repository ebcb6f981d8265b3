#define BOOST_TEST_MODULE entropy
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "security/entropy.hpp"
#include "security/secret_examples.hpp"

#include <random>

using namespace telclaude::security;
namespace a = alphabets;

namespace {

/// Share of `n` random strings of `alphabet` and `length` flagged.
double catch_rate(const entropy_detector& d, std::string_view alphabet,
                  std::size_t length, int n = 4000) {
  std::mt19937_64 rng(7);
  int hits = 0;
  for (int i = 0; i < n; ++i) {
    hits += d.is_secret(random_string(rng, alphabet, length)) ? 1 : 0;
  }
  return static_cast<double>(hits) / n;
}

} // namespace

BOOST_AUTO_TEST_CASE(expected_entropy_matches_known_values) {
  const entropy_detector d({});
  // Long strings approach log2(k); 32 draws of 62 symbols average ~4.5.
  BOOST_TEST(d.expected_random_bits(16, 256) > 3.9);
  BOOST_TEST(d.expected_random_bits(62, 32) > 4.4);
  BOOST_TEST(d.expected_random_bits(62, 32) < 4.7);
  BOOST_TEST(entropy_detector::shannon_bits("aaaa") == 0.0);
  BOOST_TEST(entropy_detector::shannon_bits("abcd") == 2.0);
}

BOOST_AUTO_TEST_CASE(catches_random_keys_of_every_alphabet) {
  const entropy_detector d({});
  struct row {
    std::string_view name;
    std::string_view alphabet;
    std::size_t length;
    double at_least;
  };
  for (const row& r : {row{"base62", a::base62, 32, 0.95},
                       row{"base62", a::base62, 40, 0.97},
                       row{"base64", a::base64, 40, 0.97},
                       row{"base64url", a::base64url, 43, 0.97},
                       row{"base62", a::base62, 64, 0.99},
                       row{"hex", a::hex, 48, 0.95},
                       row{"upper+digits", a::upper_digits, 32, 0.95}}) {
    const double rate = catch_rate(d, r.alphabet, r.length);
    BOOST_TEST_MESSAGE("catch rate " << r.name << " " << r.length << ": "
                                     << rate);
    BOOST_TEST(rate >= r.at_least, r.name << " " << r.length << ": " << rate);
  }
}

BOOST_AUTO_TEST_CASE(digests_and_ids_are_not_secrets) {
  const entropy_detector d({});
  // Random hex at digest lengths is what commit ids and checksums look like.
  for (std::size_t n : {32u, 40u, 64u, 128u}) {
    BOOST_TEST(catch_rate(d, a::hex, n, 500) == 0.0);
  }
  std::mt19937_64 rng(3);
  const auto uuid = random_string(rng, a::hex, 8) + "-" +
                    random_string(rng, a::hex, 4) + "-4" +
                    random_string(rng, a::hex, 3) + "-a" +
                    random_string(rng, a::hex, 3) + "-" +
                    random_string(rng, a::hex, 12);
  BOOST_TEST(!d.is_secret(uuid));
  for (std::string_view s :
       {"someVeryLongFunctionNameForTestingPurposes",
        "SOME_VERY_LONG_CONSTANT_NAME_FOR_CONFIGURATION",
        "/usr/lib/x86_64-linux-gnu/libhyperscan",
        "/home/alice/projects/telclaude/build-security/security",
        "src/main/java/com/example/MyApplicationConfiguration",
        "x86_64-linux-gnu-g++-12-with-extra-long-suffix",
        "parse_update_from_the_long_poll_response_body"}) {
    BOOST_TEST(!d.is_secret(s), s);
  }
}

BOOST_AUTO_TEST_CASE(threshold_shifts_every_limit) {
  entropy_settings strict;
  strict.threshold = 5.5;
  entropy_settings loose;
  loose.threshold = 3.5;
  const double at_default = catch_rate(entropy_detector({}), a::base62, 32);
  BOOST_TEST(catch_rate(entropy_detector(strict), a::base62, 32) < at_default);
  BOOST_TEST(catch_rate(entropy_detector(loose), a::base62, 32) >= at_default);
  entropy_settings off;
  off.enabled = false;
  BOOST_TEST(catch_rate(entropy_detector(off), a::base62, 64) == 0.0);
}

BOOST_AUTO_TEST_CASE(rejects_out_of_range_settings) {
  entropy_settings s;
  s.min_length = 4;
  BOOST_CHECK_EXCEPTION(entropy_detector{s}, telclaude::user_error,
                        [](const telclaude::user_error& e) {
                          return e.code() == "redact.entropy";
                        });
}

BOOST_AUTO_TEST_CASE(simd_census_equals_the_portable_one) {
  std::mt19937_64 rng(5);
  const std::string alphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/_-=. \x80\xff";
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 300, 'a');
    for (auto& c : s) {
      c = round % 4 == 0 ? static_cast<char>(rng() % 256)
                         : alphabet[rng() % alphabet.size()];
    }
    // Views that end at every alignment, inside a larger buffer.
    const std::string_view v =
      std::string_view(s).substr(s.empty() ? 0 : rng() % s.size());
    const auto a = census_of(v, true);
    const auto b = census_of(v, false);
    BOOST_TEST_REQUIRE(a.lower == b.lower);
    BOOST_TEST_REQUIRE(a.upper == b.upper);
    BOOST_TEST_REQUIRE(a.dashes == b.dashes);
    BOOST_TEST_REQUIRE(a.separators == b.separators);
    BOOST_TEST_REQUIRE(a.seen == b.seen, "round " << round);
  }
}

namespace {

/// The rule `plain_hex_digest` stands for, written out naively.
bool naive_hex_digest(std::string_view s, std::size_t min_length) {
  bool lower = true, upper = true;
  std::size_t dashes = 0;
  for (char c : s) {
    const bool common = (c >= '0' && c <= '9') || c == '-';
    lower = lower && (common || (c >= 'a' && c <= 'f'));
    upper = upper && (common || (c >= 'A' && c <= 'F'));
    dashes += c == '-' ? 1 : 0;
  }
  if (s.empty() || !(lower || upper) || dashes * 8 >= s.size()) {
    return false;
  }
  const std::size_t n = s.size() - dashes;
  return n == 32 || n == 40 || n == 56 || n == 64 || n == 96 ||
         n == 128 || n < min_length;
}

} // namespace

BOOST_AUTO_TEST_CASE(hex_digest_shortcut_matches_its_rule_and_the_census) {
  const entropy_detector d({});
  std::mt19937_64 rng(11);
  const std::string lower = "0123456789abcdef";
  const std::string upper = "0123456789ABCDEF";
  const std::string other = "gGzZ+/_-aA9";
  for (int round = 0; round < 40000; ++round) {
    const std::size_t lengths[] = {32, 36, 40, 44, 56, 60, 64, 72, 96,
                                   104, 128, 136};
    std::size_t len = round % 3 == 0 ? 16 + rng() % 241
                                     : lengths[rng() % std::size(lengths)];
    const std::string& alpha = rng() % 2 ? lower : upper;
    std::string s(len, '0');
    for (auto& c : s) {
      c = alpha[rng() % alpha.size()];
    }
    // UUID-like dashes, dense dashes, or none.
    const unsigned every = round % 4 == 0 ? 3 : round % 4 == 1 ? 9 : 0;
    if (every != 0) {
      for (std::size_t i = every; i < s.size(); i += every) {
        s[i] = '-';
      }
    }
    // Sometimes one byte that is not hex of that case, anywhere.
    if (round % 5 == 0) {
      s[rng() % s.size()] = other[rng() % other.size()];
    }
    const bool simd = plain_hex_digest(s, d.min_length(), true);
    BOOST_TEST_REQUIRE(simd == plain_hex_digest(s, d.min_length(), false),
                       s);
    BOOST_TEST_REQUIRE(simd == naive_hex_digest(s, d.min_length()), s);
    // What it rejects, the census rules reject as well: one class only,
    // or hex of a digest length.
    if (simd) {
      const auto c = census_of(s);
      const int classes = (c.lower > 0) + (c.upper > 0) +
                          ((c.seen & 4) != 0);
      const std::size_t n = s.size() - c.dashes;
      BOOST_TEST_REQUIRE((classes < 2 || n == 32 || n == 40 || n == 56 ||
                          n == 64 || n == 96 || n == 128 ||
                          n < d.min_length()),
                         s);
      BOOST_TEST_REQUIRE(!d.is_secret(s), s);
    }
  }
  // Hex keys of other lengths, with or without dashes, are still judged.
  std::mt19937_64 keys(3);
  int caught = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string s = random_string(keys, a::hex, 48);
    if (i % 2 == 0) {
      s[12] = s[24] = s[36] = '-';
    }
    BOOST_TEST_REQUIRE(!plain_hex_digest(s, d.min_length()));
    caught += d.is_secret(s) ? 1 : 0;
  }
  BOOST_TEST(caught >= 900, caught);
}
