#define BOOST_TEST_MODULE config_json_reader
#include <boost/test/unit_test.hpp>

#include "config/json_reader.hpp"
#include "core/error.hpp"

#include <climits>
#include <functional>

using namespace telclaude::config;

namespace {

/// Parses `json` and keeps the parser alive for the nodes.
struct document {
  simdjson::dom::parser parser;
  simdjson::dom::element root;

  explicit document(std::string_view json) {
    BOOST_REQUIRE(!parser.parse(json.data(), json.size()).get(root));
  }

  json_object object() {
    return json_node{root, "section"}.object();
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const telclaude::user_error& e) {
    return e.code() + " " + e.what();
  }
  return "no error";
}

} // namespace

BOOST_AUTO_TEST_CASE(closest_suggests_only_obvious_typos) {
  std::vector<std::string_view> keys{"polling", "reconnect", "allowedChats",
                                     "id"};
  BOOST_TEST(closest("pollin", keys).value_or("") == "polling");
  BOOST_TEST(closest("reconect", keys).value_or("") == "reconnect");
  BOOST_TEST(closest("ALLOWEDCHATS", keys).value_or("") == "allowedChats");
  BOOST_TEST(closest("allowed", keys).value_or("") == "allowedChats");
  BOOST_TEST(closest("reconnectDelay", keys).value_or("") == "reconnect");
  BOOST_TEST(!closest("al", keys));
  BOOST_TEST(!closest("timeout", keys));
  BOOST_TEST(!closest("ix", keys));  // too short to call it a typo
  BOOST_TEST(!closest("anything", {}));
}

BOOST_AUTO_TEST_CASE(ranges_are_described_in_words) {
  BOOST_TEST(describe_integer(1, INT_MAX) == "a positive integer");
  BOOST_TEST(describe_integer(0, INT_MAX) == "a non-negative integer");
  BOOST_TEST(describe_integer(5, INT_MAX) == "an integer of at least 5");
  BOOST_TEST(describe_integer(0, 50) == "an integer from 0 to 50");
  BOOST_TEST(describe_integer(INT64_MIN, INT64_MAX) == "an integer");
  BOOST_TEST(describe_number(0, 1) == "a number from 0 to 1");
  BOOST_TEST(describe_number(1, std::numeric_limits<double>::infinity())
             == "a number of at least 1");
  BOOST_TEST(describe_number(0.5, 2.5) == "a number from 0.5 to 2.5");
}

BOOST_AUTO_TEST_CASE(readers_keep_defaults_for_absent_keys) {
  document doc{R"({"a": 3})"};
  auto in = doc.object();
  int a = 1;
  int b = 2;
  std::string c = "keep";
  in.read("a", a, 0);
  in.read("b", b, 0);
  in.read("c", c);
  in.finish();
  BOOST_TEST(a == 3);
  BOOST_TEST(b == 2);
  BOOST_TEST(c == "keep");
}

BOOST_AUTO_TEST_CASE(absent_objects_read_as_empty_at_their_full_path) {
  document doc{R"({})"};
  auto in = doc.object();
  auto inner = in.object("inner");
  BOOST_TEST(inner.path() == "section.inner");
  BOOST_TEST(inner.child_path("x") == "section.inner.x");
  BOOST_TEST(!inner.find("x"));
  inner.finish();
  in.finish();
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_reported_before_missing_ones) {
  document doc{R"({"nme": "x"})"};
  auto in = doc.object();
  in.require("name", "give a name");
  BOOST_TEST(error_of([&] { in.finish(); })
             == "config.unknown_key section.nme: unknown key; did you mean "
                "\"name\"? (allowed: name)");
  document empty{R"({})"};
  auto none = empty.object();
  none.require("name", "give a name");
  BOOST_TEST(error_of([&] { none.finish(); })
             == "config.missing section.name: missing; give a name");
}

BOOST_AUTO_TEST_CASE(an_object_that_takes_no_keys_says_so) {
  document doc{R"({"x": 1})"};
  auto in = doc.object();
  BOOST_TEST(error_of([&] { in.finish(); })
             == "config.unknown_key section.x: unknown key (this object "
                "takes no keys)");
}

BOOST_AUTO_TEST_CASE(concealed_values_show_only_their_type) {
  document doc{R"({"s": "hunter2", "n": 12345})"};
  auto in = doc.object();
  auto s = in.find("s")->concealed();
  auto n = in.find("n")->concealed();
  BOOST_TEST(s.shown() == "a string (value not shown)");
  BOOST_TEST(n.shown() == "a number (value not shown)");
  BOOST_TEST(error_of([&] { s.integer(0, 1); })
             == "config.type section.s: expected an integer from 0 to 1, "
                "got a string (value not shown)");
}

BOOST_AUTO_TEST_CASE(values_are_shown_as_json) {
  document doc{R"({"a": "q\"uote", "b": -3, "c": 2.5, "d": false,
                   "e": null, "f": [1], "g": {}})"};
  auto in = doc.object();
  BOOST_TEST(in.find("a")->shown() == R"("q\"uote")");
  BOOST_TEST(in.find("b")->shown() == "-3");
  BOOST_TEST(in.find("c")->shown() == "2.5");
  BOOST_TEST(in.find("d")->shown() == "false");
  BOOST_TEST(in.find("e")->shown() == "null");
  BOOST_TEST(in.find("f")->shown() == "an array");
  BOOST_TEST(in.find("g")->shown() == "an object");
}

BOOST_AUTO_TEST_CASE(array_elements_carry_their_index) {
  document doc{R"({"list": [[1, [2, "x"]]]})"};
  auto in = doc.object();
  auto inner = in.find("list")->array()[0].array()[1].array()[1];
  BOOST_TEST(inner.path() == "section.list[0][1][1]");
}

BOOST_AUTO_TEST_CASE(long_strings_are_cut_between_characters) {
  std::string text;
  for (int i = 0; i < 30; ++i)
    text += "\u00e9";  // two bytes in UTF-8
  document doc{"{\"s\": \"" + text + "\", \"t\": \"" + std::string(40, 'a')
               + "\"}"};
  auto in = doc.object();
  std::string cut = "\"";
  for (int i = 0; i < 19; ++i)
    cut += "\xc3\xa9";
  BOOST_TEST(in.find("s")->shown() == cut + "...\"");
  BOOST_TEST(in.find("t")->shown() == "\"" + std::string(40, 'a') + "\"");
}
