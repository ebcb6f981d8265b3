#define BOOST_TEST_MODULE config_security
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "core/error.hpp"
#include "tests/config/check_errors.hpp"

#include <string>

using namespace telclaude::config;
using telclaude::tier;
using telclaude::user_error;
using namespace telclaude::config::test;

namespace {

/// A valid config whose `security` section is `members`.
std::string security(const std::string& members) {
  return with(R"("security": {)" + members + "}");
}

} // namespace

BOOST_AUTO_TEST_CASE(defaults_follow_the_reference_config) {
  auto s = parse(security(""), home_env());
  const auto& sec = s.security;
  BOOST_TEST((sec.profile == security_profile::simple));
  BOOST_TEST((sec.permissions.default_tier == tier::read_only));
  BOOST_TEST(sec.permissions.users.empty());
  BOOST_TEST((sec.rate_limits.global == rate_limit{100, 1000}));
  BOOST_TEST((sec.rate_limits.per_user == rate_limit{10, 60}));
  BOOST_TEST((sec.rate_limits.for_tier(tier::read_only) == rate_limit{20, 200}));
  BOOST_TEST((sec.rate_limits.for_tier(tier::write_safe) == rate_limit{10, 100}));
  BOOST_TEST((sec.rate_limits.for_tier(tier::full_access) == rate_limit{5, 30}));
  BOOST_TEST(sec.audit.enabled);
  BOOST_TEST(sec.audit.log_file == "/home/ada/.telclaude/audit.log");
  BOOST_TEST((sec.permissions.tier_of(7) == tier::read_only));
  BOOST_TEST(sec.totp.session_ttl_minutes == 240);
  BOOST_TEST(!sec.totp.allow_skip);
  BOOST_TEST(sec.totp.socket_path == "/home/ada/.telclaude/totp.sock");
}

BOOST_AUTO_TEST_CASE(totp_settings_and_the_socket_variable) {
  map_environment env{{{"HOME", "/home/ada"},
                       {"TELCLAUDE_TOTP_SOCKET", "/run/tc/totp.sock"}}};
  auto s = parse(security(R"("totp": {"sessionTtlMinutes": 30,
                                      "allowSkip": true})"),
                 env);
  BOOST_TEST(s.security.totp.session_ttl_minutes == 30);
  BOOST_TEST(s.security.totp.allow_skip);
  BOOST_TEST(s.security.totp.socket_path == "/run/tc/totp.sock");
  check_errors(
    {{security(R"("totp": {"sessionTtlMinutes": 0})"), "config.range",
      "security.totp.sessionTtlMinutes: expected an integer from 1 to 10080, "
      "got 0"},
     {security(R"("totp": {"sessionTtlMinutes": 10081})"), "config.range",
      "security.totp.sessionTtlMinutes: expected an integer from 1 to 10080, "
      "got 10081"},
     {security(R"("totp": {"allowSkip": "yes"})"), "config.type",
      "security.totp.allowSkip: expected true or false, got \"yes\""},
     {security(R"("totp": {"secret": "x"})"), "config.unknown_key",
      "security.totp.secret: unknown key (allowed: allowSkip, "
      "sessionTtlMinutes)"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(reads_every_security_key) {
  map_environment env{{{"HOME", "/home/ada"},
                       {"TELCLAUDE_DATA_DIR", "/var/lib/tc"}}};
  auto s = parse(security(R"(
    "profile": "strict",
    "permissions": {
      "defaultTier": "WRITE_SAFE",
      "users": {
        "tg:123456789": {"tier": "FULL_ACCESS",
                         "rateLimit": {"perMinute": 20, "perHour": 100}},
        "tg:7": {"tier": "READ_ONLY", "rateLimit": {"perHour": 70}},
        "tg:9223372036854775807": {"tier": "WRITE_SAFE"}
      }
    },
    "rateLimits": {
      "global": {"perMinute": 50, "perHour": 500},
      "perUser": {"perMinute": 3},
      "perTier": {"READ_ONLY": {"perMinute": 1, "perHour": 2},
                  "WRITE_SAFE": {"perHour": 11},
                  "FULL_ACCESS": {"perMinute": 4, "perHour": 4}}
    },
    "audit": {"enabled": false, "logFile": "logs/audit.jsonl"})"),
                 env, "/etc/tc/telclaude.json");
  const auto& sec = s.security;
  BOOST_TEST((sec.profile == security_profile::strict));
  BOOST_TEST((sec.permissions.default_tier == tier::write_safe));
  BOOST_REQUIRE(sec.permissions.users.size() == 3u);
  const auto& admin = sec.permissions.users.at(123456789);
  BOOST_TEST((admin.tier == tier::full_access));
  BOOST_TEST((admin.limit == rate_limit{20, 100}));
  // A partial override starts from perUser (here 3/min, 60/h).
  BOOST_TEST((sec.permissions.users.at(7).limit == rate_limit{3, 70}));
  BOOST_TEST(!sec.permissions.users.at(9223372036854775807).limit);
  BOOST_TEST((sec.permissions.tier_of(7) == tier::read_only));
  BOOST_TEST((sec.permissions.tier_of(8) == tier::write_safe));
  BOOST_TEST((sec.rate_limits.global == rate_limit{50, 500}));
  BOOST_TEST((sec.rate_limits.per_user == rate_limit{3, 60}));
  BOOST_TEST((sec.rate_limits.read_only == rate_limit{1, 2}));
  BOOST_TEST((sec.rate_limits.write_safe == rate_limit{10, 11}));
  BOOST_TEST((sec.rate_limits.full_access == rate_limit{4, 4}));
  BOOST_TEST(!sec.audit.enabled);
  BOOST_TEST(sec.audit.log_file == "/etc/tc/logs/audit.jsonl");
}

BOOST_AUTO_TEST_CASE(test_profile_needs_the_environment_switch) {
  auto json = security(R"("profile": "test")");
  check_errors(
    {{json, "config.invalid",
      "security.profile: the \"test\" profile turns every security check "
      "off; set TELCLAUDE_ENABLE_TEST_PROFILE=1 to allow it (never on a real "
      "bot)"}},
    home_env());
  map_environment wrong{{{"HOME", "/h"}, {"TELCLAUDE_ENABLE_TEST_PROFILE", "yes"}}};
  BOOST_CHECK_THROW(parse(json, wrong), user_error);
  map_environment on{{{"HOME", "/h"}, {"TELCLAUDE_ENABLE_TEST_PROFILE", "1"}}};
  BOOST_TEST((parse(json, on).security.profile == security_profile::test));
}

BOOST_AUTO_TEST_CASE(profile_flag_replaces_the_file_setting) {
  auto s = parse(security(R"("profile": "simple")"), home_env());
  select_profile(s, "strict", home_env());
  BOOST_TEST((s.security.profile == security_profile::strict));
  auto refused = [&](std::string_view name, const std::string& code,
                     const std::string& start) {
    try {
      select_profile(s, name, home_env());
      BOOST_ERROR("no error for " << name);
    } catch (const user_error& e) {
      BOOST_TEST(e.code() == code);
      BOOST_TEST(std::string{e.what()}.starts_with(start), e.what());
    }
  };
  refused("strcit", "config.range",
          "--profile: expected one of \"simple\", \"strict\", \"test\", got "
          "\"strcit\"; did you mean \"strict\"?");
  refused("test", "config.invalid",
          "--profile: the \"test\" profile turns every security check off; "
          "set TELCLAUDE_ENABLE_TEST_PROFILE=1");
  BOOST_TEST((s.security.profile == security_profile::strict));
  map_environment on{{{"TELCLAUDE_ENABLE_TEST_PROFILE", "1"}}};
  select_profile(s, "test", on);
  BOOST_TEST((s.security.profile == security_profile::test));
}

BOOST_AUTO_TEST_CASE(errors_name_the_exact_place) {
  check_errors(
    {{security(R"("profile": "paranoid")"), "config.range",
      "security.profile: expected one of \"simple\", \"strict\", \"test\", "
      "got \"paranoid\""},
     {security(R"("observers": {}, "profile": 1)"), "config.unknown_key",
      "security.observers: unknown key; did you mean \"observer\"? (allowed: "
      "audit, observer, permissions, profile, rateLimits, secretFilter, "
      "totp)"},
     {security(R"("permissions": {"defaultTier": "FULL_ACCESS"})"),
      "config.invalid",
      "security.permissions.defaultTier: FULL_ACCESS cannot be the default "
      "tier: every linked user would get it; give it to single users in "
      "security.permissions.users"},
     {security(R"("permissions": {"defaultTier": "read_only"})"),
      "config.range",
      "security.permissions.defaultTier: expected one of \"READ_ONLY\", "
      "\"WRITE_SAFE\", \"FULL_ACCESS\", got \"read_only\"; did you mean "
      "\"READ_ONLY\"?"},
     {security(R"("permissions": {"users": {"tg:12x": {"tier": "READ_ONLY"}}})"),
      "config.invalid",
      "security.permissions.users[\"tg:12x\"]: expected a key \"tg:<user "
      "id>\" with a positive integer user id (no leading zero), e.g. "
      "\"tg:123456789\""},
     {security(R"("permissions": {"users": {"123": {"tier": "READ_ONLY"}}})"),
      "config.invalid",
      "security.permissions.users[\"123\"]: expected a key \"tg:<user id>\" "
      "with a positive integer user id (no leading zero), e.g. "
      "\"tg:123456789\""},
     {security(R"("permissions": {"users": {"tg:0": {"tier": "READ_ONLY"}}})"),
      "config.invalid",
      "security.permissions.users[\"tg:0\"]: expected a key \"tg:<user id>\" "
      "with a positive integer user id (no leading zero), e.g. "
      "\"tg:123456789\""},
     {security(R"("permissions": {"users":
        {"tg:99999999999999999999": {"tier": "READ_ONLY"}}})"),
      "config.invalid",
      "security.permissions.users[\"tg:99999999999999999999\"]: expected a "
      "key \"tg:<user id>\" with a positive integer user id (no leading "
      "zero), e.g. \"tg:123456789\""},
     {security(R"("permissions": {"users": {"tg:5": {}}})"), "config.missing",
      "security.permissions.users[\"tg:5\"].tier: missing; give READ_ONLY, "
      "WRITE_SAFE or FULL_ACCESS"},
     {security(R"("permissions": {"users": {"tg:5": "WRITE_SAFE"}})"),
      "config.type",
      "security.permissions.users[\"tg:5\"]: expected an object, got "
      "\"WRITE_SAFE\""},
     {security(R"("permissions": {"users": {"tg:5": {"tier": "ADMIN"}}})"),
      "config.range",
      "security.permissions.users[\"tg:5\"].tier: expected one of "
      "\"READ_ONLY\", \"WRITE_SAFE\", \"FULL_ACCESS\", got \"ADMIN\""},
     {security(R"("permissions": {"users": {"tg:5": {"tier": "READ_ONLY",
        "ratelimit": {}}}})"),
      "config.unknown_key",
      "security.permissions.users[\"tg:5\"].ratelimit: unknown key; did you "
      "mean \"rateLimit\"? (allowed: rateLimit, tier)"},
     {security(R"("permissions": {"users": {"tg:5": {"tier": "READ_ONLY",
        "rateLimit": {"perMinute": 0}}}})"),
      "config.range",
      "security.permissions.users[\"tg:5\"].rateLimit.perMinute: expected a "
      "positive integer, got 0"},
     {security(R"("permissions": {"users": {"tg:5": {"tier": "READ_ONLY",
        "rateLimit": {"perMinute": 90}}}})"),
      "config.invalid",
      "security.permissions.users[\"tg:5\"].rateLimit.perHour: must be at "
      "least perMinute (90), got 60"},
     {security(R"("rateLimits": {"global": {"perMinute": 10, "perHour": 5}})"),
      "config.invalid",
      "security.rateLimits.global.perHour: must be at least perMinute (10), "
      "got 5"},
     {security(R"("rateLimits": {"perUser": {"perHour": -1}})"),
      "config.range",
      "security.rateLimits.perUser.perHour: expected a positive integer, got "
      "-1"},
     {security(R"("rateLimits": {"perTier": {"READ_ONLY": {"perMinute": 1.5}}})"),
      "config.type",
      "security.rateLimits.perTier.READ_ONLY.perMinute: expected a positive "
      "integer, got 1.5"},
     {security(R"("rateLimits": {"perTier": {"ADMIN": {}}})"),
      "config.unknown_key",
      "security.rateLimits.perTier.ADMIN: unknown key (allowed: FULL_ACCESS, "
      "READ_ONLY, WRITE_SAFE)"},
     {security(R"("audit": {"logFile": ""})"), "config.invalid",
      "security.audit.logFile: expected a non-empty string, got \"\""},
     {security(R"("audit": {"enabled": "yes"})"), "config.type",
      "security.audit.enabled: expected true or false, got \"yes\""}},
    home_env());
}

BOOST_AUTO_TEST_CASE(describe_shows_the_security_settings) {
  auto s = parse(security(R"("permissions": {"users": {
      "tg:5": {"tier": "WRITE_SAFE", "rateLimit": {"perMinute": 2,
                                                   "perHour": 3}}}})"),
                 home_env());
  auto text = describe(s);
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("security:       profile simple\n") != std::string::npos);
  BOOST_TEST(text.find("  default tier: READ_ONLY\n") != std::string::npos);
  BOOST_TEST(text.find("  users:        tg:5 WRITE_SAFE (2/min, 3/h)\n")
             != std::string::npos);
  BOOST_TEST(text.find("  rate limits:  global 100/min, 1000/h; per user "
                       "10/min, 60/h\n")
             != std::string::npos);
  BOOST_TEST(text.find("  per tier:     READ_ONLY 20/min, 200/h; WRITE_SAFE "
                       "10/min, 100/h; FULL_ACCESS 5/min, 30/h\n")
             != std::string::npos);
  BOOST_TEST(text.find("  audit:        on, to /home/ada/.telclaude/audit.log\n")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tier_names_round_trip) {
  for (auto t : telclaude::all_tiers)
    BOOST_TEST((telclaude::parse_tier(telclaude::to_string(t)) == t));
  BOOST_TEST(!telclaude::parse_tier("read_only"));
  BOOST_TEST(!telclaude::parse_tier(""));
}

BOOST_AUTO_TEST_CASE(observer_defaults_and_every_key) {
  auto d = parse(security(""), home_env()).security.observer;
  BOOST_TEST(d.enabled);
  BOOST_TEST(d.model == "claude-haiku-4-5");
  BOOST_TEST(d.max_latency_ms == 20000);
  BOOST_TEST(d.danger_threshold == 0.7);
  BOOST_TEST((d.fallback_on_timeout == observer_fallback::block));
  BOOST_TEST(d.circuit_breaker.failure_threshold == 5);
  BOOST_TEST(d.circuit_breaker.reset_ms == 30000);

  auto s = parse(security(R"("observer": {"enabled": false,
      "model": "claude-3-5-haiku", "maxLatencyMs": 1500,
      "dangerThreshold": 0.5, "fallbackOnTimeout": "approve",
      "circuitBreaker": {"failureThreshold": 2, "resetMs": 1000}})"),
                 home_env())
             .security.observer;
  BOOST_TEST(!s.enabled);
  BOOST_TEST(s.model == "claude-3-5-haiku");
  BOOST_TEST(s.max_latency_ms == 1500);
  BOOST_TEST(s.danger_threshold == 0.5);
  BOOST_TEST((s.fallback_on_timeout == observer_fallback::approve));
  BOOST_TEST(s.circuit_breaker.failure_threshold == 2);
  BOOST_TEST(s.circuit_breaker.reset_ms == 1000);
  BOOST_TEST((parse(security(R"("observer": {"fallbackOnTimeout": "allow"})"),
                    home_env())
                .security.observer.fallback_on_timeout
              == observer_fallback::allow));
}

BOOST_AUTO_TEST_CASE(observer_errors_name_the_exact_place) {
  check_errors(
    {{security(R"("observer": {"maxLatencyMs": 50})"), "config.range",
      "security.observer.maxLatencyMs: expected an integer from 100 to "
      "120000, got 50"},
     {security(R"("observer": {"dangerThreshold": 1.5})"), "config.range",
      "security.observer.dangerThreshold: expected a number from 0 to 1, "
      "got 1.5"},
     {security(R"("observer": {"fallbackOnTimeout": "deny"})"),
      "config.range",
      "security.observer.fallbackOnTimeout: expected one of \"block\", "
      "\"allow\", \"approve\", got \"deny\""},
     {security(R"("observer": {"model": ""})"), "config.invalid",
      "security.observer.model: expected a non-empty string, got \"\""},
     {security(R"("observer": {"circuitBreaker": {"failureThreshold": 0}})"),
      "config.range",
      "security.observer.circuitBreaker.failureThreshold: expected an "
      "integer from 1 to 1000, got 0"},
     {security(R"("observer": {"circuitBreaker": {"resetMs": 10}})"),
      "config.range",
      "security.observer.circuitBreaker.resetMs: expected an integer from "
      "100 to 3600000, got 10"},
     {security(R"("observer": {"circuitbreaker": {}})"), "config.unknown_key",
      "security.observer.circuitbreaker: unknown key; did you mean "
      "\"circuitBreaker\"? (allowed: circuitBreaker, dangerThreshold, "
      "enabled, fallbackOnTimeout, maxLatencyMs, model)"}},
    home_env());
}
