#define BOOST_TEST_MODULE config_sandbox
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "core/error.hpp"
#include "tests/config/check_errors.hpp"

#include <string>

using namespace telclaude::config;
using namespace telclaude::config::test;

namespace {

/// A valid config whose `sandbox` section is `members`.
std::string sandbox(const std::string& members) {
  return with(R"("sandbox": {)" + members + "}");
}

using strings = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_CASE(defaults_without_a_sandbox_section) {
  auto s = parse(with(R"("logging": {})"), home_env());
  const auto& sb = s.sandbox;
  BOOST_TEST(sb.deny_write.empty());
  BOOST_TEST(sb.env_allow.empty());
  BOOST_TEST((sb.network.allowed_domains == strings{"api.anthropic.com"}));
  BOOST_TEST(sb.network.allow_hosts.empty());
  BOOST_TEST(sb.limits.max_concurrent_agents == 4);
  BOOST_TEST(sb.limits.max_agents_per_user == 1);
  BOOST_TEST(sb.limits.min_spawn_interval_ms == 200);
  BOOST_TEST(sb.limits.max_memory_mb == 0);
  BOOST_TEST(sb.limits.max_processes == 256);
  BOOST_TEST(sb.limits.max_open_files == 1024);
  BOOST_TEST(sb.limits.max_cpu_seconds == 600);
  BOOST_TEST(sb.limits.max_sandbox_memory_mb == 2048);
}

BOOST_AUTO_TEST_CASE(reads_every_sandbox_key) {
  auto s = parse(sandbox(R"(
    "denyWrite": ["*.sqlite", "secrets/*"],
    "env": {"allow": ["HTTP_TIMEOUT", "NODE_*"]},
    "network": {
      "allowedDomains": ["api.anthropic.com", "*.example.com"],
      "allowHosts": ["127.0.0.1:8080", "gateway.corp.example:443",
                     "[::1]:9000", "localhost:3000"]
    },
    "limits": {"maxConcurrentAgents": 8, "maxAgentsPerUser": 2,
               "minSpawnIntervalMs": 0, "maxMemoryMb": 4096,
               "maxSandboxMemoryMb": 1024, "maxProcesses": 128, "maxOpenFiles": 2048,
               "maxCpuSeconds": 300})"),
                 home_env());
  const auto& sb = s.sandbox;
  BOOST_TEST((sb.deny_write == strings{"*.sqlite", "secrets/*"}));
  BOOST_TEST((sb.env_allow == strings{"HTTP_TIMEOUT", "NODE_*"}));
  BOOST_TEST((sb.network.allowed_domains
              == strings{"api.anthropic.com", "*.example.com"}));
  BOOST_TEST((sb.network.allow_hosts
              == strings{"127.0.0.1:8080", "gateway.corp.example:443",
                         "[::1]:9000", "localhost:3000"}));
  BOOST_TEST(sb.limits.max_concurrent_agents == 8);
  BOOST_TEST(sb.limits.max_agents_per_user == 2);
  BOOST_TEST(sb.limits.min_spawn_interval_ms == 0);
  BOOST_TEST(sb.limits.max_memory_mb == 4096);
  BOOST_TEST(sb.limits.max_sandbox_memory_mb == 1024);
  BOOST_TEST(sb.limits.max_processes == 128);
  BOOST_TEST(sb.limits.max_open_files == 2048);
  BOOST_TEST(sb.limits.max_cpu_seconds == 300);
}

BOOST_AUTO_TEST_CASE(an_empty_domain_list_allows_nothing) {
  auto s = parse(sandbox(R"("network": {"allowedDomains": []})"), home_env());
  BOOST_TEST(s.sandbox.network.allowed_domains.empty());
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_types) {
  check_errors(
    {{sandbox(R"("netwrk": {})"), "config.unknown_key",
      "sandbox.netwrk: unknown key; did you mean \"network\"? (allowed: "
      "denyWrite, env, limits, network)"},
     {with(R"("sandbx": {})"), "config.unknown_key",
      "sandbx: unknown key; did you mean \"sandbox\"? (allowed: agent, "
      "inbound, logging, sandbox, security, telegram)"},
     {sandbox(R"("limits": {"maxAgents": 2})"), "config.unknown_key",
      "sandbox.limits.maxAgents: unknown key; did you mean "
      "\"maxAgentsPerUser\"? (allowed: maxAgentsPerUser, "
      "maxConcurrentAgents, maxCpuSeconds, maxMemoryMb, maxOpenFiles, "
      "maxProcesses, maxSandboxMemoryMb, minSpawnIntervalMs)"},
     {sandbox(R"("denyWrite": "*.db")"), "config.type",
      "sandbox.denyWrite: expected an array, got \"*.db\""},
     {sandbox(R"("network": {"allowHosts": [8080]})"), "config.type",
      "sandbox.network.allowHosts[0]: expected a string, got 8080"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(limits_are_range_checked) {
  check_errors(
    {{sandbox(R"("limits": {"maxConcurrentAgents": 0})"), "config.range",
      "sandbox.limits.maxConcurrentAgents: expected an integer from 1 to "
      "1024, got 0"},
     {sandbox(R"("limits": {"maxAgentsPerUser": 5})"), "config.invalid",
      "sandbox.limits.maxAgentsPerUser: must be at most maxConcurrentAgents "
      "(4), got 5"},
     {sandbox(R"("limits": {"minSpawnIntervalMs": -1})"), "config.range",
      "sandbox.limits.minSpawnIntervalMs: expected an integer from 0 to "
      "60000, got -1"},
     {sandbox(R"("limits": {"maxMemoryMb": 10})"), "config.range",
      "sandbox.limits.maxMemoryMb: expected 0 (no cap) or at least 64 "
      "(MiB), got 10; the agent cannot start with less"},
     {sandbox(R"("limits": {"maxMemoryMb": 1.5})"), "config.type",
      "sandbox.limits.maxMemoryMb: expected an integer from 0 to 4194304, "
      "got 1.5"},
     {sandbox(R"("limits": {"maxProcesses": 2})"), "config.range",
      "sandbox.limits.maxProcesses: expected an integer from 8 to 65536, "
      "got 2"},
     {sandbox(R"("limits": {"maxOpenFiles": 10})"), "config.range",
      "sandbox.limits.maxOpenFiles: expected an integer from 64 to "
      "1048576, got 10"},
     {sandbox(R"("limits": {"maxCpuSeconds": 0})"), "config.range",
      "sandbox.limits.maxCpuSeconds: expected an integer from 1 to 86400, "
      "got 0"}},
    home_env());
}

BOOST_AUTO_TEST_CASE(network_entries_are_checked) {
  check_errors(
    {{sandbox(R"("network": {"allowedDomains": ["api.anthropic.com",
                                                  "Bad_Name"]})"),
      "config.invalid",
      "sandbox.network.allowedDomains[1]: expected a lower-case domain such "
      "as \"api.anthropic.com\" or \"*.example.com\", got \"Bad_Name\""},
     {sandbox(R"("network": {"allowedDomains": ["*"]})"), "config.invalid",
      "sandbox.network.allowedDomains[0]: expected a lower-case domain such "
      "as \"api.anthropic.com\" or \"*.example.com\", got \"*\""},
     {sandbox(R"("network": {"allowedDomains": ["*.com"]})"),
      "config.invalid",
      "sandbox.network.allowedDomains[0]: expected a lower-case domain such "
      "as \"api.anthropic.com\" or \"*.example.com\", got \"*.com\""},
     {sandbox(R"("network": {"allowedDomains": ["10.0.0.1"]})"),
      "config.invalid",
      "sandbox.network.allowedDomains[0]: \"10.0.0.1\" is an address or has "
      "a port; list \"host:port\" entries in allowHosts instead"},
     {sandbox(R"("network": {"allowHosts": ["127.0.0.1"]})"),
      "config.invalid",
      "sandbox.network.allowHosts[0]: expected \"host:port\" such as "
      "\"127.0.0.1:8080\", \"gateway.corp.example:443\" or \"[::1]:8080\", "
      "got \"127.0.0.1\""},
     {sandbox(R"("network": {"allowHosts": ["h.example:0"]})"),
      "config.invalid",
      "sandbox.network.allowHosts[0]: expected \"host:port\" such as "
      "\"127.0.0.1:8080\", \"gateway.corp.example:443\" or \"[::1]:8080\", "
      "got \"h.example:0\""},
     {sandbox(R"("network": {"allowHosts": ["::1:80"]})"), "config.invalid",
      "sandbox.network.allowHosts[0]: expected \"host:port\" such as "
      "\"127.0.0.1:8080\", \"gateway.corp.example:443\" or \"[::1]:8080\", "
      "got \"::1:80\""},
     {sandbox(R"("network": {"allowHosts": ["h.example:70000"]})"),
      "config.invalid",
      "sandbox.network.allowHosts[0]: expected \"host:port\" such as "
      "\"127.0.0.1:8080\", \"gateway.corp.example:443\" or \"[::1]:8080\", "
      "got \"h.example:70000\""}},
    home_env());
}

BOOST_AUTO_TEST_CASE(env_allow_never_reaches_the_relays_secrets) {
  check_errors(
    {{sandbox(R"("env": {"allow": ["TELEGRAM_BOT_TOKEN"]})"),
      "config.invalid",
      "sandbox.env.allow[0]: \"TELEGRAM_BOT_TOKEN\" would let the relay's "
      "own secrets (TELEGRAM_*, TELCLAUDE_*, TOTP_*) into the sandbox; they "
      "never enter it"},
     {sandbox(R"("env": {"allow": ["OK", "TE*"]})"), "config.invalid",
      "sandbox.env.allow[1]: \"TE*\" would let the relay's own secrets "
      "(TELEGRAM_*, TELCLAUDE_*, TOTP_*) into the sandbox; they never enter "
      "it"},
     {sandbox(R"("env": {"allow": ["*"]})"), "config.invalid",
      "sandbox.env.allow[0]: expected a variable name such as "
      "\"HTTP_TIMEOUT\" or a prefix such as \"NODE_*\", got \"*\""},
     {sandbox(R"("env": {"allow": ["A=B"]})"), "config.invalid",
      "sandbox.env.allow[0]: expected a variable name such as "
      "\"HTTP_TIMEOUT\" or a prefix such as \"NODE_*\", got \"A=B\""}},
    home_env());
}

BOOST_AUTO_TEST_CASE(deny_write_globs_are_relative) {
  check_errors(
    {{sandbox(R"("denyWrite": ["/etc/passwd"])"), "config.invalid",
      "sandbox.denyWrite[0]: expected a glob relative to the workdir such "
      "as \"*.sqlite\" or \"secrets/*\" (no leading /, no ..), got "
      "\"/etc/passwd\""},
     {sandbox(R"("denyWrite": ["a/../b"])"), "config.invalid",
      "sandbox.denyWrite[0]: expected a glob relative to the workdir such "
      "as \"*.sqlite\" or \"secrets/*\" (no leading /, no ..), got "
      "\"a/../b\""},
     {sandbox(R"("denyWrite": [""])"), "config.invalid",
      "sandbox.denyWrite[0]: expected a non-empty string, got \"\""}},
    home_env());
}
