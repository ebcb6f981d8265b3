#define BOOST_TEST_MODULE config_environment
#include <boost/test/unit_test.hpp>

#include "config/environment.hpp"
#include "core/error.hpp"

#include <cstdlib>

using namespace telclaude::config;

BOOST_AUTO_TEST_CASE(config_path_prefers_flag_then_variable_then_home) {
  map_environment env{{{"HOME", "/home/ada"},
                       {"TELCLAUDE_CONFIG", "/etc/telclaude.json"}}};
  BOOST_TEST(resolve_config_path(std::string{"~/my.json"}, env)
             == "/home/ada/my.json");
  BOOST_TEST(resolve_config_path(std::nullopt, env) == "/etc/telclaude.json");
  env.unset("TELCLAUDE_CONFIG");
  BOOST_TEST(resolve_config_path(std::nullopt, env)
             == "/home/ada/.telclaude/telclaude.json");
  BOOST_TEST(resolve_config_path(std::string{"rel/c.json"}, env)
             == "rel/c.json");
}

BOOST_AUTO_TEST_CASE(empty_variables_count_as_unset) {
  map_environment env{{{"HOME", "/h"}, {"TELCLAUDE_CONFIG", ""},
                       {"TELCLAUDE_DATA_DIR", ""}}};
  BOOST_TEST(!env.get("TELCLAUDE_CONFIG"));
  BOOST_TEST(resolve_config_path(std::string{}, env)
             == "/h/.telclaude/telclaude.json");
  BOOST_TEST(resolve_data_dir(env) == "/h/.telclaude");
}

BOOST_AUTO_TEST_CASE(data_dir_comes_from_the_variable_with_home_expanded) {
  map_environment env{{{"HOME", "/home/ada"}, {"TELCLAUDE_DATA_DIR", "~"}}};
  BOOST_TEST(resolve_data_dir(env) == "/home/ada");
  env.set("TELCLAUDE_DATA_DIR", "~/state");
  BOOST_TEST(resolve_data_dir(env) == "/home/ada/state");
  env.set("TELCLAUDE_DATA_DIR", "~other/state");
  BOOST_TEST(resolve_data_dir(env) == "~other/state");
}

BOOST_AUTO_TEST_CASE(missing_home_is_a_config_error_naming_the_setting) {
  map_environment env;
  try {
    resolve_data_dir(env);
    BOOST_ERROR("no error");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "config.missing");
    BOOST_TEST(std::string{e.what()}
               == "data dir (TELCLAUDE_DATA_DIR): HOME is not set, so "
                  "\"~/.telclaude\" cannot be expanded; give an absolute "
                  "path");
  }
  BOOST_CHECK_THROW(resolve_config_path(std::nullopt, env),
                    telclaude::user_error);
}

BOOST_AUTO_TEST_CASE(process_environment_reads_the_real_environment) {
  ::setenv("TELCLAUDE_TEST_VARIABLE", "x", 1);
  process_environment env;
  BOOST_TEST(*env.get("TELCLAUDE_TEST_VARIABLE") == "x");
  ::setenv("TELCLAUDE_TEST_VARIABLE", "", 1);
  BOOST_TEST(!env.get("TELCLAUDE_TEST_VARIABLE"));
  ::unsetenv("TELCLAUDE_TEST_VARIABLE");
  BOOST_TEST(!env.get("TELCLAUDE_TEST_VARIABLE"));
}

BOOST_AUTO_TEST_CASE(the_totp_socket_is_the_variable_else_in_the_data_dir) {
  map_environment env{{{"HOME", "/h"}, {"TELCLAUDE_TOTP_SOCKET", ""}}};
  BOOST_TEST(resolve_totp_socket(env, "/var/lib/tc") == "/var/lib/tc/totp.sock");
  env.set("TELCLAUDE_TOTP_SOCKET", "/run/tc/totp.sock");
  BOOST_TEST(resolve_totp_socket(env, "/var/lib/tc") == "/run/tc/totp.sock");
}
