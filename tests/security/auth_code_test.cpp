#define BOOST_TEST_MODULE auth_code
#include <boost/test/unit_test.hpp>

#include "security/auth_code.hpp"

#include <map>
#include <set>

using namespace telclaude::security;

BOOST_AUTO_TEST_CASE(alphabet_has_no_look_alikes) {
  BOOST_TEST(code_alphabet.size() == 31u);
  for (char c : std::string_view("0O1IL"))
    BOOST_TEST(code_alphabet.find(c) == std::string_view::npos, c);
  BOOST_TEST(code_length(code_kind::claim) == 8u);
  BOOST_TEST(code_length(code_kind::approval) == 8u);
  BOOST_TEST(code_length(code_kind::link) == 10u);
}

BOOST_AUTO_TEST_CASE(generated_codes_are_well_formed_distinct_and_spread) {
  std::set<std::string> seen;
  std::map<char, int> counts;
  for (int i = 0; i < 2000; ++i) {
    const auto code = generate_code(code_kind::approval);
    BOOST_TEST(code.size() == 8u);
    BOOST_TEST(is_well_formed(code, 8));
    seen.insert(code);
    for (char c : code)
      ++counts[c];
  }
  BOOST_TEST(seen.size() == 2000u);
  // 16000 symbols over 31: every symbol appears, none grossly over-drawn
  // (expected ~516 each).
  BOOST_TEST(counts.size() == 31u);
  for (const auto& [c, n] : counts) {
    BOOST_TEST(n > 350, c);
    BOOST_TEST(n < 700, c);
  }
  BOOST_TEST(generate_code(code_kind::link).size() == 10u);
  BOOST_TEST(generate_code(0).empty());
}

BOOST_AUTO_TEST_CASE(normalisation_table) {
  struct row {
    const char* input;
    std::size_t length;
    const char* expected;  // nullptr: malformed
  };
  const row rows[] = {
    {"ABCDEFGH", 8, "ABCDEFGH"},
    {"abcdefgh", 8, "ABCDEFGH"},
    {"aBc23456", 8, "ABC23456"},
    {"ABCDEFG", 8, nullptr},     // short
    {"ABCDEFGHJ", 8, nullptr},   // long
    {"ABCDEFG0", 8, nullptr},    // zero
    {"ABCDEFGO", 8, nullptr},    // letter O
    {"ABCDEFG1", 8, nullptr},
    {"ABCDEFGI", 8, nullptr},
    {"ABCDEFGl", 8, nullptr},    // lower-case L
    {"ABCD-FGH", 8, nullptr},
    {" ABCDEFG", 8, nullptr},
    {"ABCDÉFGH", 8, nullptr},
    {"", 8, nullptr},
    {"23456789AB", 10, "23456789AB"},
  };
  for (const auto& r : rows) {
    const auto n = normalize_code(r.input, r.length);
    BOOST_TEST(n.has_value() == (r.expected != nullptr), r.input);
    if (n && r.expected)
      BOOST_TEST(*n == r.expected);
    BOOST_TEST(is_well_formed(r.input, r.length) == n.has_value());
  }
}

BOOST_AUTO_TEST_CASE(constant_time_comparison_and_digest) {
  BOOST_TEST(codes_equal("ABCDEFGH", "ABCDEFGH"));
  BOOST_TEST(!codes_equal("ABCDEFGH", "ABCDEFGJ"));
  BOOST_TEST(!codes_equal("ABCDEFGH", "ABCDEFG"));
  BOOST_TEST(codes_equal("", ""));
  // sha256("abc")
  BOOST_TEST(code_digest("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(code_digest("ABCDEFGH") != code_digest("ABCDEFGJ"));
}
