#define BOOST_TEST_MODULE config_loader
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "core/error.hpp"
#include "tests/config/check_errors.hpp"

#include <fstream>
#include <string>
#include <unistd.h>

using namespace telclaude::config;
using telclaude::user_error;
using namespace telclaude::config::test;

namespace {

const std::string minimal = R"({"telegram": {"botToken": "123:tok3n_SECRET",
  "allowedChats": [42]}})";

/// `telegram` members replacing the minimal ones.
std::string telegram(const std::string& members) {
  return R"({"telegram": {"botToken": "123:tok3n_SECRET", )" + members + "}}";
}

} // namespace

BOOST_AUTO_TEST_CASE(minimal_config_takes_every_default) {
  auto s = parse(minimal, home_env());
  BOOST_TEST(s.telegram.bot_token == "123:tok3n_SECRET");
  BOOST_TEST(s.telegram.api_base_url == "https://api.telegram.org");
  BOOST_TEST(s.telegram.allowed_chats == std::vector<std::int64_t>{42});
  BOOST_TEST(s.telegram.polling.timeout == 30);
  BOOST_TEST(s.telegram.polling.limit == 100);
  BOOST_TEST(s.telegram.reconnect.initial_ms == 1000);
  BOOST_TEST(s.telegram.reconnect.max_ms == 60000);
  BOOST_TEST(s.telegram.reconnect.factor == 2.0);
  BOOST_TEST(s.telegram.reconnect.jitter == 0.3);
  BOOST_TEST(s.telegram.reconnect.max_attempts == 0);
  BOOST_TEST(s.agent.command == "claude");
  BOOST_TEST(s.agent.workdir == "/home/ada/.telclaude/workdir");
  BOOST_TEST(!s.agent.model);
  BOOST_TEST(s.agent.extra_args.empty());
  BOOST_TEST(s.reply.enabled);
  BOOST_TEST(s.reply.timeout_seconds == 600);
  BOOST_TEST(s.reply.typing_interval_seconds == 8);
  BOOST_TEST(s.reply.queue_notice_ms == 1500);
  BOOST_TEST((s.reply.session.scope == session_scope::per_sender));
  BOOST_TEST(s.reply.session.idle_minutes == 30);
  BOOST_TEST((s.reply.session.reset_triggers
              == std::vector<std::string>{"/new", "/reset"}));
  BOOST_TEST(s.logging.level == "info");
  BOOST_TEST(!s.logging.file);
  BOOST_TEST(s.security.secret_filter.additional_patterns.empty());
  BOOST_TEST(s.security.secret_filter.entropy_enabled);
  BOOST_TEST(s.security.secret_filter.entropy_threshold == 4.5);
  BOOST_TEST(s.security.secret_filter.entropy_min_length == 32);
  BOOST_TEST(s.data_dir == "/home/ada/.telclaude");
  BOOST_TEST(s.config_path.empty());
}

BOOST_AUTO_TEST_CASE(reads_every_key_of_the_reference_config) {
  auto s = parse(R"({
    "telegram": {
      "botToken": "123:ABC", "apiBaseUrl": "http://127.0.0.1:8081/",
      "allowedChats": [42, -1001234567890],
      "polling": { "timeout": 0, "limit": 1 },
      "reconnect": { "initialMs": 10, "maxMs": 10, "factor": 1, "jitter": 0,
                     "maxAttempts": 7 }
    },
    "agent": { "command": "bin/claude", "workdir": "work", "model": "opus",
               "extraArgs": ["--verbose", ""] },
    "inbound": { "reply": { "enabled": false, "timeoutSeconds": 5,
      "typingIntervalSeconds": 60, "queueNoticeMs": 0,
      "session": { "scope": "global", "idleMinutes": 1,
                   "resetTriggers": [] } } },
    "logging": { "level": "off", "file": "~/logs/t.log" },
    "security": { "secretFilter": {
      "additionalPatterns": [
        {"id": "my_api_key", "pattern": "my-api-[a-z0-9]{32}"},
        {"pattern": "x+", "id": "x2"}],
      "entropyDetection": { "enabled": false, "threshold": 8,
                            "minLength": 24 } } }
  })",
                 home_env(), "/etc/telclaude/telclaude.json");
  BOOST_TEST(s.telegram.bot_token == "123:ABC");
  BOOST_TEST(s.telegram.api_base_url == "http://127.0.0.1:8081");
  BOOST_TEST((s.telegram.allowed_chats
              == std::vector<std::int64_t>{42, -1001234567890}));
  BOOST_TEST(s.telegram.polling.timeout == 0);
  BOOST_TEST(s.telegram.polling.limit == 1);
  BOOST_TEST(s.telegram.reconnect.initial_ms == 10);
  BOOST_TEST(s.telegram.reconnect.max_ms == 10);
  BOOST_TEST(s.telegram.reconnect.factor == 1.0);
  BOOST_TEST(s.telegram.reconnect.jitter == 0.0);
  BOOST_TEST(s.telegram.reconnect.max_attempts == 7);
  BOOST_TEST(s.agent.command == "/etc/telclaude/bin/claude");
  BOOST_TEST(s.agent.workdir == "/etc/telclaude/work");
  BOOST_TEST(*s.agent.model == "opus");
  BOOST_TEST((s.agent.extra_args == std::vector<std::string>{"--verbose", ""}));
  BOOST_TEST(!s.reply.enabled);
  BOOST_TEST(s.reply.timeout_seconds == 5);
  BOOST_TEST(s.reply.typing_interval_seconds == 60);
  BOOST_TEST(s.reply.queue_notice_ms == 0);
  BOOST_TEST((s.reply.session.scope == session_scope::global));
  BOOST_TEST(s.reply.session.idle_minutes == 1);
  BOOST_TEST(s.reply.session.reset_triggers.empty());
  BOOST_TEST(s.logging.level == "off");
  BOOST_TEST(*s.logging.file == "/home/ada/logs/t.log");
  const auto& filter = s.security.secret_filter;
  BOOST_REQUIRE(filter.additional_patterns.size() == 2u);
  BOOST_TEST(filter.additional_patterns[0].id == "my_api_key");
  BOOST_TEST(filter.additional_patterns[0].pattern == "my-api-[a-z0-9]{32}");
  BOOST_TEST(filter.additional_patterns[1].id == "x2");
  BOOST_TEST(!filter.entropy_enabled);
  BOOST_TEST(filter.entropy_threshold == 8.0);
  BOOST_TEST(filter.entropy_min_length == 24);
  BOOST_TEST(s.config_path == "/etc/telclaude/telclaude.json");
}

BOOST_AUTO_TEST_CASE(bare_command_stays_a_path_lookup_and_null_means_default) {
  auto s = parse(with(R"("agent": {"command": "claude-code", "model": null,
    "workdir": "/srv/work"}, "logging": {"file": null})"),
                 home_env(), "/etc/t/telclaude.json");
  BOOST_TEST(s.agent.command == "claude-code");
  BOOST_TEST(!s.agent.model);
  BOOST_TEST(s.agent.workdir == "/srv/work");
  BOOST_TEST(!s.logging.file);
}

BOOST_AUTO_TEST_CASE(environment_overrides_token_level_and_data_dir) {
  map_environment env{{{"HOME", "/home/ada"},
                       {"TELEGRAM_BOT_TOKEN", "777:FROM_ENV"},
                       {"TELCLAUDE_LOG_LEVEL", "debug"},
                       {"TELCLAUDE_DATA_DIR", "/var/lib/telclaude"}}};
  auto s = parse(with(R"("logging": {"level": "warn"})"), env);
  BOOST_TEST(s.telegram.bot_token == "777:FROM_ENV");
  BOOST_TEST(s.logging.level == "debug");
  BOOST_TEST(s.data_dir == "/var/lib/telclaude");
  BOOST_TEST(s.agent.workdir == "/var/lib/telclaude/workdir");
}

BOOST_AUTO_TEST_CASE(token_may_come_from_the_environment_alone) {
  map_environment env{{{"HOME", "/h"}, {"TELEGRAM_BOT_TOKEN", "1:A-b_c"}}};
  auto s = parse(R"({"telegram": {"allowedChats": [1]}})", env);
  BOOST_TEST(s.telegram.bot_token == "1:A-b_c");
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_named_with_the_allowed_ones) {
  check_errors(
    {{with(R"("telegarm": {})"), "config.unknown_key",
      "telegarm: unknown key; did you mean \"telegram\"? (allowed: agent, "
      "inbound, logging, sandbox, security, telegram)"},
     {with(R"("sandbox": {"enabled": true})"), "config.unknown_key",
      "sandbox.enabled: unknown key (allowed: denyWrite, env, limits, "
      "network)"},
     {telegram(R"("allowedChats": [1], "pollin": {})"), "config.unknown_key",
      "telegram.pollin: unknown key; did you mean \"polling\"? (allowed: "
      "allowedChats, apiBaseUrl, botToken, polling, reconnect)"},
     {telegram(R"("allowedChat": [1])"), "config.unknown_key",
      "telegram.allowedChat: unknown key; did you mean \"allowedChats\"? "
      "(allowed: allowedChats, apiBaseUrl, botToken, polling, reconnect)"},
     {telegram(R"("allowedChats": [1], "polling": {"foo": 1})"),
      "config.unknown_key",
      "telegram.polling.foo: unknown key (allowed: limit, timeout)"},
     {with(R"("security": {"observr": {"enabled": true}})"),
      "config.unknown_key",
      "security.observr: unknown key; did you mean \"observer\"? (allowed: "
      "audit, observer, permissions, profile, rateLimits, secretFilter, totp)"},
     {with(R"("security": {"secretFilter": {"entropyDetection":
        {"enable": true}}})"),
      "config.unknown_key",
      "security.secretFilter.entropyDetection.enable: unknown key; did you "
      "mean \"enabled\"? (allowed: enabled, minLength, threshold)"},
     {with(R"("inbound": {"reply": {"session": {"ScOpE": "global"}}})"),
      "config.unknown_key",
      "inbound.reply.session.ScOpE: unknown key; did you mean \"scope\"? "
      "(allowed: idleMinutes, resetTriggers, scope)"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(wrong_types_are_named_with_what_was_expected) {
  check_errors(
    {{with(R"("inbound": {"reply": {"timeoutSeconds": "ten"}})"), "config.type",
      "inbound.reply.timeoutSeconds: expected a positive integer, got "
      "\"ten\""},
     {with(R"("inbound": {"reply": {"session": {"idleMinutes": 2.5}}})"),
      "config.type",
      "inbound.reply.session.idleMinutes: expected a positive integer, got "
      "2.5"},
     {telegram(R"("allowedChats": [1, 2, "abc"])"), "config.type",
      "telegram.allowedChats[2]: expected an integer, got \"abc\""},
     {telegram(R"("allowedChats": 42)"), "config.type",
      "telegram.allowedChats: expected an array, got 42"},
     {with(R"("inbound": {"reply": {"enabled": "yes"}})"), "config.type",
      "inbound.reply.enabled: expected true or false, got \"yes\""},
     {with(R"("inbound": {"reply": {"session": {"resetTriggers": "/new"}}})"),
      "config.type",
      "inbound.reply.session.resetTriggers: expected an array, got \"/new\""},
     {with(R"("agent": [])"), "config.type",
      "agent: expected an object, got an array"},
     {with(R"("agent": {"model": 5})"), "config.type",
      "agent.model: expected a string, got 5"},
     {with(R"("agent": {"extraArgs": [true]})"), "config.type",
      "agent.extraArgs[0]: expected a string, got true"},
     {with(R"("logging": {"file": {}})"), "config.type",
      "logging.file: expected a string, got an object"},
     {R"({"telegram": null})", "config.type",
      "telegram: expected an object, got null"},
     {"[1]", "config.type", "(top level): expected an object, got an array"},
     {with(R"("security": {"secretFilter": {"additionalPatterns":
        ["my-api-.*"]}})"),
      "config.type",
      "security.secretFilter.additionalPatterns[0]: expected an object, got "
      "\"my-api-.*\""}},
    home_env());
}

BOOST_AUTO_TEST_CASE(out_of_range_values_are_named_with_the_range) {
  check_errors(
    {{telegram(R"("allowedChats": [1], "polling": {"timeout": 51})"),
      "config.range",
      "telegram.polling.timeout: expected an integer from 0 to 50, got 51"},
     {telegram(R"("allowedChats": [1], "polling": {"limit": 0})"),
      "config.range",
      "telegram.polling.limit: expected an integer from 1 to 100, got 0"},
     {telegram(R"("allowedChats": [1],
        "polling": {"limit": 18446744073709551615})"),
      "config.range",
      "telegram.polling.limit: expected an integer from 1 to 100, got "
      "18446744073709551615"},
     {telegram(R"("allowedChats": [1], "reconnect": {"factor": 0.5})"),
      "config.range",
      "telegram.reconnect.factor: expected a number of at least 1, got 0.5"},
     {telegram(R"("allowedChats": [1], "reconnect": {"jitter": 1.5})"),
      "config.range",
      "telegram.reconnect.jitter: expected a number from 0 to 1, got 1.5"},
     {telegram(R"("allowedChats": [1], "reconnect": {"maxAttempts": -1})"),
      "config.range",
      "telegram.reconnect.maxAttempts: expected a non-negative integer, got "
      "-1"},
     {telegram(R"("allowedChats": [1], "reconnect": {"initialMs": 0})"),
      "config.range",
      "telegram.reconnect.initialMs: expected a positive integer, got 0"},
     {telegram(R"("allowedChats": [1, 0])"), "config.range",
      "telegram.allowedChats[1]: 0 is not a chat id"},
     {with(R"("inbound": {"reply": {"timeoutSeconds": 3000000000}})"),
      "config.range",
      "inbound.reply.timeoutSeconds: expected a positive integer, got "
      "3000000000"},
     {with(R"("inbound": {"reply": {"typingIntervalSeconds": 0}})"),
      "config.range",
      "inbound.reply.typingIntervalSeconds: expected an integer from 1 to 60, "
      "got 0"},
     {with(R"("inbound": {"reply": {"queueNoticeMs": 60001}})"),
      "config.range",
      "inbound.reply.queueNoticeMs: expected an integer from 0 to 60000, "
      "got 60001"},
     {with(R"("inbound": {"reply": {"session": {"scope": "per_sender"}}})"),
      "config.range",
      "inbound.reply.session.scope: expected one of \"per-sender\", "
      "\"global\", got \"per_sender\"; did you mean \"per-sender\"?"},
     {with(R"("inbound": {"reply": {"session": {"scope":
        "a-scope-name-that-is-much-longer-than-forty-characters"}}})"),
      "config.range",
      "inbound.reply.session.scope: expected one of \"per-sender\", "
      "\"global\", got \"a-scope-name-that-is-much-longer-than-f...\""},
     {with(R"("inbound": {"reply": {"session": {"scope": 1}}})"),
      "config.type",
      "inbound.reply.session.scope: expected one of \"per-sender\", "
      "\"global\", got 1"},
     {with(R"("logging": {"level": "INFO"})"), "config.range",
      "logging.level: expected one of \"trace\", \"debug\", \"info\", "
      "\"warn\", \"error\", \"off\", got \"INFO\"; did you mean \"info\"?"},
     {with(R"("security": {"secretFilter": {"entropyDetection":
        {"threshold": 9}}})"),
      "config.range",
      "security.secretFilter.entropyDetection.threshold: expected a number "
      "from 1 to 8, got 9"},
     {with(R"("security": {"secretFilter": {"entropyDetection":
        {"minLength": 4}}})"),
      "config.range",
      "security.secretFilter.entropyDetection.minLength: expected an integer "
      "from 16 to 128, got 4"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(invalid_values_say_what_is_wrong) {
  check_errors(
    {{telegram(R"("allowedChats": [42, 7, 42])"), "config.invalid",
      "telegram.allowedChats[2]: duplicate chat id 42 (also at "
      "telegram.allowedChats[0])"},
     {telegram(R"("allowedChats": [1], "apiBaseUrl": "ftp://x")"),
      "config.invalid",
      "telegram.apiBaseUrl: expected an http:// or https:// URL, got "
      "\"ftp://x\""},
     {telegram(R"("allowedChats": [1], "apiBaseUrl": "https://")"),
      "config.invalid",
      "telegram.apiBaseUrl: expected an http:// or https:// URL, got "
      "\"https://\""},
     {telegram(R"("allowedChats": [1],
        "reconnect": {"initialMs": 5000, "maxMs": 1000})"),
      "config.invalid",
      "telegram.reconnect.maxMs: must be at least initialMs (5000), got 1000"},
     {with(R"("agent": {"command": ""})"), "config.invalid",
      "agent.command: expected a non-empty string, got \"\""},
     {with(R"("inbound": {"reply": {"session": {"resetTriggers":
        ["/new", "new"]}}})"),
      "config.invalid",
      "inbound.reply.session.resetTriggers[1]: expected a command such as "
      "\"/new\", got \"new\""},
     {with(R"("security": {"secretFilter": {"additionalPatterns":
        [{"id": "My-Key", "pattern": "x"}]}})"),
      "config.invalid",
      "security.secretFilter.additionalPatterns[0].id: expected an id of 1 to "
      "64 characters a-z, 0-9 or _, got \"My-Key\""},
     {with(R"("security": {"secretFilter": {"additionalPatterns":
        [{"id": "k", "pattern": ""}]}})"),
      "config.invalid",
      "security.secretFilter.additionalPatterns[0].pattern: expected a "
      "non-empty string, got \"\""},
     {with(R"("security": {"secretFilter": {"additionalPatterns":
        [{"id": "a", "pattern": "x"}, {"id": "b", "pattern": "y"},
         {"id": "a", "pattern": "z"}]}})"),
      "config.invalid",
      "security.secretFilter.additionalPatterns[2].id: duplicate id \"a\" "
      "(also at security.secretFilter.additionalPatterns[0])"},
     {R"({"telegram": {"allowedChats": [1], "allowedChats": [2]}})",
      "config.invalid",
      "telegram.allowedChats: duplicate key; each key may appear once"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(missing_required_values_are_named) {
  check_errors(
    {{R"({"telegram": {"botToken": "1:A"}})", "config.missing",
      "telegram.allowedChats: missing; list the chat ids allowed to use the "
      "bot"},
     {"{}", "config.missing",
      "telegram.allowedChats: missing; list the chat ids allowed to use the "
      "bot"},
     {telegram(R"("allowedChats": [])"), "config.missing",
      "telegram.allowedChats: empty; list the chat ids allowed to use the "
      "bot"},
     {R"({"telegram": {"allowedChats": [1]}})", "config.missing",
      "telegram.botToken: missing; set TELEGRAM_BOT_TOKEN or "
      "telegram.botToken to the token from @BotFather"},
     {with(R"("security": {"secretFilter": {"additionalPatterns":
        [{"id": "k"}]}})"),
      "config.missing",
      "security.secretFilter.additionalPatterns[0].pattern: missing; give "
      "the regular expression"},
     {with(R"("agent": {"workdir": "~/work"})"), "config.missing",
      "agent.workdir: HOME is not set, so \"~/work\" cannot be expanded; give "
      "an absolute path"}},
    map_environment{{{"TELCLAUDE_DATA_DIR", "/data"}}});
}

BOOST_AUTO_TEST_CASE(token_errors_never_show_the_token) {
  check_errors(
    {{R"({"telegram": {"allowedChats": [1], "botToken": 123456}})",
      "config.type",
      "telegram.botToken: expected a string, got a number (value not shown)"},
     {R"({"telegram": {"allowedChats": [1], "botToken": ""}})",
      "config.invalid",
      "telegram.botToken: expected a non-empty string, got a string (value "
      "not shown)"},
     {R"({"telegram": {"allowedChats": [1], "botToken": "tok3n_SECRET"}})",
      "config.invalid",
      "telegram.botToken: not a bot token (expected <digits>:<letters, "
      "digits, _ or -> as issued by @BotFather); the value is not shown"},
     {R"({"telegram": {"allowedChats": [1], "botToken": "12:tok3n_SECRET!"}})",
      "config.invalid",
      "telegram.botToken: not a bot token (expected <digits>:<letters, "
      "digits, _ or -> as issued by @BotFather); the value is not shown"}},
    home_env());
  check_errors({{minimal, "config.invalid",
                 "TELEGRAM_BOT_TOKEN: not a bot token (expected <digits>:<"
                 "letters, digits, _ or -> as issued by @BotFather); the "
                 "value is not shown"}},
               map_environment{{{"HOME", "/h"},
                                {"TELEGRAM_BOT_TOKEN", "x tok3n_SECRET"}}});
}

BOOST_AUTO_TEST_CASE(bad_log_level_variable_is_named) {
  check_errors({{minimal, "config.range",
                 "TELCLAUDE_LOG_LEVEL: expected one of \"trace\", \"debug\", "
                 "\"info\", \"warn\", \"error\", \"off\", got \"warning\"; "
                 "did you mean \"warn\"?"}},
               map_environment{{{"HOME", "/h"},
                                {"TELCLAUDE_LOG_LEVEL", "warning"}}});
}

BOOST_AUTO_TEST_CASE(syntax_errors_give_line_and_column) {
  check_errors({{"{\n  \"telegram\": {\"allowedChats\": [1],}\n}",
                 "config.syntax",
                 "config:2:36: invalid JSON: trailing comma before '}'"},
                {"", "config.syntax", "config:1:1: invalid JSON: the document "
                                      "is empty"},
                {"{\"telegram\": {'allowedChats': [1]}}", "config.syntax",
                 "config:1:15: invalid JSON: expected a key in double "
                 "quotes"}},
               home_env());
}

// load() ---------------------------------------------------------------------

namespace {

/// A fresh directory under the system temp dir, removed afterwards.
struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    std::string templ =
      (std::filesystem::temp_directory_path() / "telclaude-config-XXXXXX")
        .string();
    path = ::mkdtemp(templ.data());
  }

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  std::filesystem::path write(const std::string& name,
                              const std::string& text) const {
    std::ofstream{path / name} << text;
    return path / name;
  }
};

std::string load_error(const std::filesystem::path& file,
                       std::string* code = nullptr) {
  try {
    load(file, home_env());
  } catch (const user_error& e) {
    if (code != nullptr)
      *code = e.code();
    return e.what();
  }
  return "no error";
}

} // namespace

BOOST_AUTO_TEST_CASE(load_resolves_relative_paths_against_the_file) {
  temp_dir dir;
  auto file = dir.write("telclaude.json", with(R"("agent": {"workdir": "w"},
    "logging": {"file": "../logs/t.log"})"));
  auto s = load(file, home_env());
  BOOST_TEST(s.config_path == file);
  BOOST_TEST(s.agent.workdir == dir.path / "w");
  BOOST_TEST(*s.logging.file == dir.path.parent_path() / "logs/t.log");
}

BOOST_AUTO_TEST_CASE(load_reports_missing_unreadable_and_bad_files) {
  temp_dir dir;
  std::string code;
  auto missing = dir.path / "nope.json";
  BOOST_TEST(load_error(missing, &code)
             == missing.string()
                  + ": no config file here; create it (see "
                    "docs/configuration.md) or pass --config FILE");
  BOOST_TEST(code == "config.not_found");

  BOOST_TEST(load_error(dir.path, &code)
             == dir.path.string() + ": is a directory, not a file");
  BOOST_TEST(code == "config.unreadable");

  auto bad = dir.write("bad.json", "{\n\"telegram\": {\n\"allowedChats\": [1 2]");
  BOOST_TEST(load_error(bad, &code)
             == bad.string() + ":3:20: invalid JSON: expected ',' or ']'");
  BOOST_TEST(code == "config.syntax");

  if (::geteuid() != 0) {  // root reads anything
    auto secret = dir.write("secret.json", minimal);
    std::filesystem::permissions(secret, std::filesystem::perms::none);
    BOOST_TEST(load_error(secret, &code)
               == secret.string() + ": cannot read: Permission denied");
    BOOST_TEST(code == "config.unreadable");
  }
}
