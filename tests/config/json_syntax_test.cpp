#define BOOST_TEST_MODULE config_json_syntax
#include <boost/test/unit_test.hpp>

#include "config/json_syntax.hpp"

#include <simdjson.h>

using namespace telclaude::config;

namespace {

std::string located(std::string_view text) {
  auto where = locate_syntax_error(text);
  if (!where)
    return "valid";
  return std::to_string(where->line) + ":" + std::to_string(where->column)
       + " " + where->problem;
}

bool simdjson_accepts(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return !parser.parse(text.data(), text.size()).get(root);
}

} // namespace

BOOST_AUTO_TEST_CASE(agrees_with_simdjson_on_valid_documents) {
  for (std::string_view text :
       {R"({})", R"([])", R"({"a": [1, -2.5e+3, true, false, null]})",
        R"("x\n\u00e9\/")", " \r\n\t{\"a\":{\"b\":[[]]}} ", "0", "-0.0E1"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(located(text) == "valid");
      BOOST_TEST(simdjson_accepts(text));
    }
  }
}

BOOST_AUTO_TEST_CASE(points_at_the_first_error) {
  struct {
    std::string_view text;
    std::string_view expected;
  } cases[] = {
    {"", "1:1 the document is empty"},
    {"  \n ", "2:2 the document is empty"},
    {"{\"a\": 1,}", "1:9 trailing comma before '}'"},
    {"[1, 2,]", "1:7 trailing comma before ']'"},
    {"{\"a\" 1}", "1:6 expected ':' after the key"},
    {"{\"a\": 1 \"b\": 2}", "1:9 expected ',' or '}'"},
    {"[1 2]", "1:4 expected ',' or ']'"},
    {"{a: 1}", "1:2 expected a key in double quotes"},
    {"{\"a\": tru}", "1:7 expected a value (strings need double quotes)"},
    {"{\"a\": yes}", "1:7 expected a value"},
    {"{\"a\": \"x", "1:9 unterminated string"},
    {"{\"a\": \"x\ny\"}", "1:9 control character in a string (write \\n, "
                          "\\t, ...)"},
    {"\"\\q\"", "1:3 invalid escape in a string"},
    {"\"\\u12g4\"", "1:3 \\u must be followed by four hex digits"},
    {"[01]", "1:2 invalid number (no leading zeros)"},
    {"[1.]", "1:2 invalid number"},
    {"[-]", "1:2 invalid number"},
    {"{} {}", "1:4 unexpected text after the JSON value"},
    {"{\n  \"a\": [\n", "3:1 unexpected end of file, expected a value"},
    {"// comment\n{}", "1:1 expected a value"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      BOOST_TEST(located(c.text) == c.expected);
      BOOST_TEST(!simdjson_accepts(c.text));
    }
  }
}

BOOST_AUTO_TEST_CASE(survives_deep_nesting) {
  std::string deep(5000, '[');
  BOOST_TEST(located(deep) == "1:1026 nested too deeply");
}
