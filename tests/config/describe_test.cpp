#define BOOST_TEST_MODULE config_describe
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"

using namespace telclaude::config;

BOOST_AUTO_TEST_CASE(summary_masks_the_token_and_shows_the_settings) {
  map_environment env{{{"HOME", "/home/ada"}}};
  auto s = parse(R"({"telegram": {"botToken": "123456:SECRETsecret_-x",
    "allowedChats": [42, -100]},
    "agent": {"model": "opus", "extraArgs": ["--verbose"]},
    "security": {"secretFilter": {"additionalPatterns":
      [{"id": "my_api_key", "pattern": "k"}]}}})",
                 env, "/etc/telclaude/telclaude.json");
  auto text = describe(s);
  BOOST_TEST(text.find("SECRET") == std::string::npos);
  BOOST_TEST(text.find("secret_-x") == std::string::npos);
  BOOST_TEST(text.find("bot token:    123456:*** (secret not shown)")
             != std::string::npos);
  BOOST_TEST(text.find("allowed chats: 42 -100") != std::string::npos);
  BOOST_TEST(text.find("config file:    /etc/telclaude/telclaude.json")
             != std::string::npos);
  BOOST_TEST(text.find("workdir:      /home/ada/.telclaude/workdir")
             != std::string::npos);
  BOOST_TEST(text.find("model:        opus") != std::string::npos);
  BOOST_TEST(text.find("session:      per-sender, idle 30 min, reset by /new "
                       "/reset")
             != std::string::npos);
  BOOST_TEST(text.find("extra patterns my_api_key; entropy on") != std::string::npos);
  BOOST_TEST_MESSAGE(text);
}
