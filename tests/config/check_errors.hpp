#pragma once

#include "config/loader.hpp"
#include "core/error.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace telclaude::config::test {

/// The secret part of the token every test config carries: no error
/// message may contain it.
inline constexpr std::string_view token_secret = "tok3n_SECRET";

/// `minimal` config plus `extra` members at the top level.
inline std::string with(const std::string& extra) {
  return R"({"telegram": {"botToken": "123:tok3n_SECRET", "allowedChats": [42]},
  )" + extra + "}";
}

inline map_environment home_env() {
  return map_environment{{{"HOME", "/home/ada"}}};
}

/// A config text and the error parse() must throw for it.
struct expected_error {
  std::string json;
  std::string code;
  std::string message;
};

/// Parses each case and checks its code and exact message, and that the
/// message never shows the token.
inline void check_errors(const std::vector<expected_error>& cases,
                         const environment& env) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.json) {
      try {
        parse(c.json, env);
        BOOST_ERROR("no error; expected " + c.code);
      } catch (const user_error& e) {
        BOOST_TEST(e.code() == c.code);
        BOOST_TEST(std::string{e.what()} == c.message);
        BOOST_TEST(std::string{e.what()}.find(token_secret)
                   == std::string::npos);
      }
    }
  }
}

} // namespace telclaude::config::test
