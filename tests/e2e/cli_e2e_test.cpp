#define BOOST_TEST_MODULE cli_e2e
#include <boost/test/unit_test.hpp>

#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;

BOOST_FIXTURE_TEST_CASE(help_lists_every_command, relay_fixture) {
  auto r = run({"--help"});
  BOOST_TEST(r.code == 0);
  for (auto cmd : {"relay", "demo", "status", "redact", "doctor", "version",
                   "link", "reset-auth", "audit", "totp-daemon", "totp-setup"})
    BOOST_TEST(r.out.find(cmd) != std::string::npos, cmd);
}

BOOST_FIXTURE_TEST_CASE(totp_setup_without_a_daemon_says_so, relay_fixture) {
  extra_env.push_back("TELCLAUDE_TOTP_SOCKET="
                      + (tmp.path() / "nobody.sock").string());
  auto r = run({"totp-setup", "tg:5"});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(r.err.find("2FA service unavailable") != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("[totp.unavailable]") != std::string::npos);
  BOOST_TEST(r.err.find("nobody.sock") != std::string::npos, r.err);
  auto bad = run({"totp-setup", "5"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.err.find("[link.bad_user]") != std::string::npos);
  auto doctor = run({"doctor", "--config", write_config().string()});
  BOOST_TEST(doctor.out.find("warn  TOTP daemon: 2FA service unavailable")
               != std::string::npos,
             doctor.out);
}

BOOST_FIXTURE_TEST_CASE(version_prints_the_version, relay_fixture) {
  auto r = run({"version"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out.find("telclaude 0.1.0") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_bad_value_exits_2_naming_the_path,
                        relay_fixture) {
  config["inbound"]["reply"]["timeoutSeconds"] = "ten";
  auto r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("inbound.reply.timeoutSeconds: expected a positive "
                        "integer, got \"ten\"")
             != std::string::npos,
             r.err);
}

BOOST_FIXTURE_TEST_CASE(an_unknown_key_and_a_missing_token_exit_2,
                        relay_fixture) {
  config["telegram"]["pollling"] = 1;
  auto r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("telegram.pollling") != std::string::npos, r.err);
  config["telegram"].erase("pollling");
  config["telegram"].erase("botToken");
  r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("botToken") != std::string::npos, r.err);
  config["telegram"]["botToken"] = api.token();
  config["telegram"]["allowedChats"] = nlohmann::json::array();
  r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("allowedChats") != std::string::npos, r.err);
}

BOOST_FIXTURE_TEST_CASE(a_missing_agent_program_is_named, relay_fixture) {
  config["agent"]["command"] = "no-such-agent-program";
  auto r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(r.err.find("no-such-agent-program") != std::string::npos, r.err);
}

BOOST_FIXTURE_TEST_CASE(dry_run_validates_and_starts_nothing,
                        relay_fixture) {
  auto r = run({"relay", "--dry-run", "--config", write_config().string()});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out.find("dry run") != std::string::npos);
  BOOST_TEST(r.out.find(api.token()) == std::string::npos);
  BOOST_TEST(api.get_updates_calls() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_workdir_holding_the_data_dir_is_refused,
                        relay_fixture) {
  // The workdir is the agent's, writable: the relay's database and 2FA
  // vault must not be in it.
  config["agent"]["workdir"] = tmp.path().string();
  auto r = run({"relay", "--dry-run", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("[config.workdir]") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("contains the data dir") != std::string::npos);
  config["agent"]["workdir"] = (tmp.path() / "work").string();
  extra_env.push_back("TELCLAUDE_TOTP_SOCKET="
                      + (tmp.path() / "work" / "totp.sock").string());
  r = run({"relay", "--dry-run", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("contains the TOTP socket") != std::string::npos,
             r.err);
}

BOOST_FIXTURE_TEST_CASE(status_reports_sessions_and_backlog, relay_fixture) {
  auto r = run({"status"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out.find("No relay data") != std::string::npos);
  start();
  api.post_message(1, 1, "hi");
  replies(1, 1);
  // The update is marked answered just after the reply went out.
  nlohmann::json j;
  for (int i = 0; i < 50; ++i) {
    r = run({"status", "--json"});
    BOOST_REQUIRE(r.code == 0);
    j = nlohmann::json::parse(r.out);
    if (j["inbox_backlog"] == 0)
      break;
    settle(100ms);
  }
  BOOST_TEST(j["inbox_backlog"] == 0);
  BOOST_REQUIRE_EQUAL(j["sessions"].size(), 1u);
  BOOST_TEST(j["sessions"][0]["turns"] == 1);
  BOOST_TEST(!j["last_poll"].is_null());
}

BOOST_FIXTURE_TEST_CASE(status_shows_the_last_poll_of_an_idle_relay,
                        relay_fixture) {
  start();
  nlohmann::json j;
  for (int i = 0; i < 50; ++i) {
    settle(100ms);
    auto r = run({"status", "--json"});
    if (r.code != 0 || r.out.find("last_poll") == std::string::npos)
      continue;
    j = nlohmann::json::parse(r.out);
    if (!j["last_poll"].is_null())
      break;
  }
  BOOST_TEST(!j["last_poll"].is_null());
  BOOST_TEST(j["sessions"].empty());
}

BOOST_FIXTURE_TEST_CASE(a_second_relay_on_the_same_data_dir_is_refused,
                        relay_fixture) {
  start();
  api.post_message(1, 1, "hi");
  replies(1, 1);
  auto r = run({"relay", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("another telclaude relay is already using")
             != std::string::npos,
             r.err);
  // The first one is undisturbed.
  api.post_message(1, 1, "still you?");
  BOOST_TEST(replies(1, 2)[1].text == "Echo #2: still you?");
}
