#include <filesystem>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "actors/supervisor.hpp"
#include "agent/child_process.hpp"
#include "app/commands.hpp"
#include "app/relay_runner.hpp"
#include "config/environment.hpp"
#include "config/loader.hpp"
#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/environment.hpp"
#include "sandbox/probe.hpp"
#include "sandbox/relay_sandbox.hpp"
#include "security/redaction_engine.hpp"
#include "security/secrets_self_test.hpp"
#include "totp/client.hpp"

namespace telclaude::app {

namespace {

struct report {
  int failures = 0;
  void line(bool ok, const std::string& what, const std::string& detail) {
    std::cout << (ok ? "  ok    " : "  FAIL  ") << what;
    if (!detail.empty())
      std::cout << ": " << detail;
    std::cout << "\n";
    if (!ok)
      ++failures;
  }
  /// A finding that does not fail the check.
  void warn(const std::string& what, const std::string& detail) {
    std::cout << "  warn  " << what << ": " << detail << "\n";
  }
};

/// How many of the relay's variables the agent gets, and which blocked
/// ones look like secrets (names only, never values).
void check_agent_environment(report& r, const std::vector<std::string>& env,
                             const std::vector<std::string>& allow) {
  std::size_t allowed = 0;
  std::string secret_like;
  for (const auto& kv : env) {
    auto name = kv.substr(0, kv.find('='));
    if (sandbox::is_allowed_name(name, allow)) {
      ++allowed;
      continue;
    }
    for (const char* word : {"TOKEN", "KEY", "SECRET", "PASSWORD", "TELEGRAM",
                             "TOTP", "CREDENTIAL"})
      if (name.find(word) != std::string::npos) {
        secret_like += (secret_like.empty() ? "" : ", ") + name;
        break;
      }
  }
  r.line(true, "agent environment",
         std::to_string(allowed) + " names allowed, "
           + std::to_string(env.size() - allowed) + " blocked"
           + (secret_like.empty() ? "" : " (among them " + secret_like + ")"));
}

/// Builds the agents' sandbox as the relay does (its own proxy socket,
/// so a running relay is left alone) and runs the self-test inside it;
/// with `network`, each allowed domain is asked for too.
void check_sandbox(report& r, const config::settings& s,
                   const std::vector<std::string>& env, bool network) {
  namespace fs = std::filesystem;
  try {
    sandbox::relay_sandbox_options box;
    std::error_code ec;
    box.workdir = fs::weakly_canonical(s.agent.workdir, ec).string();
    box.data_dir = s.data_dir.string();
    box.program = sandbox::resolve_command(s.agent.command,
                                           agent::path_of(env));
    box.extra_env_names = s.sandbox.env_allow;
    box.allowed_domains = s.sandbox.network.allowed_domains;
    box.allow_hosts = s.sandbox.network.allow_hosts;
    const char* home = std::getenv("HOME");
    box.hidden = sandbox::relay_hidden_paths(
      s.data_dir.string(),
      {s.config_path.string(), s.security.audit.log_file.string(),
       s.security.totp.socket_path.string()},
      home ? home : "");
    box.socket_name = "doctor-" + std::to_string(::getpid()) + ".sock";
    if (network)
      for (auto domain : s.sandbox.network.allowed_domains)
        box.reach.push_back(
          (domain.starts_with("*.") ? "www" + domain.substr(1) : domain)
          + ":443");
    if (!fs::is_directory(box.workdir)) {
      r.line(false, "sandbox self-test",
             "agent.workdir " + box.workdir + " is not a directory");
      return;
    }
    auto built = sandbox::prepare_relay_sandbox(box, env);
    for (const auto& line : built.self_test.lines) {
      auto space = line.find(' ');
      auto tag = line.substr(0, space);
      auto what = line.substr(space + 1);
      if (tag == "info")
        r.warn("sandbox", what);
      else if (network || tag == "FAIL")
        r.line(tag == "ok", "sandbox", what);
    }
    r.line(built.self_test.ok, "sandbox self-test",
           built.self_test.ok
             ? std::to_string(built.self_test.lines.size())
                 + " checks inside the agent's sandbox"
             : built.self_test.problem);
    // sandbox.limits: without a writable pids/memory cgroup only rlimits
    // cap the agent (and RLIMIT_NPROC does not bind root).
    auto cgroups = sandbox::cgroup_root::detect();
    if (cgroups.available())
      r.line(true, "resource caps", "run cgroups: " + cgroups.describe());
    else
      r.warn("resource caps", cgroups.describe());
  } catch (const user_error& e) {
    r.line(false, "sandbox self-test",
           std::string{e.what()} + " [" + e.code() + "]");
  }
}

} // namespace

void add_doctor_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    bool secrets = false;
    bool network = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand("doctor", "Check config, sandbox, agent and "
                                           "redactor; exit 1 on a problem");
  cmd->add_option("--config", o->config, "Config file");
  cmd->add_flag("--secrets", o->secrets,
                "Plant one example of every CORE secret family and check "
                "the redactor catches it");
  cmd->add_flag("--network", o->network,
                "From inside a sandbox: the allowed domains are reachable "
                "through the egress proxy (or 'no network'), metadata and "
                "private addresses refused");
  cmd->callback([o] {
    report r;
    std::cout << "telclaude doctor\n";
    std::optional<config::settings> settings;
    try {
      settings = load_settings(o->config);
      r.line(true, "config", settings->config_path.string());
    } catch (const user_error& e) {
      r.line(false, "config", std::string{e.what()} + " [" + e.code() + "]");
    }
    auto env = sandbox::process_environment();
    auto probe = sandbox::probe(env);
    r.line(probe.ok, "sandbox (bwrap)",
           probe.ok ? probe.bwrap_path : probe.problem + "; " + probe.remedy);
    if (settings) {
      try {
        auto program = sandbox::resolve_command(settings->agent.command,
                                                agent::path_of(env));
        r.line(true, "agent program", program);
      } catch (const user_error& e) {
        r.line(false, "agent program", e.what());
      }
      check_agent_environment(r, env, settings->sandbox.env_allow);
      if (probe.ok)
        check_sandbox(r, *settings, env, o->network);
    }
    if (settings) {
      // The relay itself runs without it; 2FA does not.
      const auto& socket = settings->security.totp.socket_path;
      totp::totp_client client{socket, std::chrono::seconds{2}};
      if (auto pong = client.ping())
        r.line(true, "TOTP daemon", "answering on " + socket.string());
      else
        r.warn("TOTP daemon",
               "2FA service unavailable (" + pong.error.code + ": "
                 + pong.error.message + " at " + socket.string()
                 + "): /setup-2fa and approvals by users with 2FA are "
                   "refused until `telclaude totp-daemon` runs");
    }
    std::shared_ptr<const security::redaction_engine> engine;
    try {
      engine = security::redaction_engine::compile(
        settings ? redaction_settings_from(settings->security.secret_filter)
                 : security::redaction_settings{});
      r.line(true, "redaction patterns", "compiled");
    } catch (const user_error& e) {
      r.line(false, "redaction patterns", e.what());
    }
    if (o->secrets && engine) {
      for (auto& res : security::run_secrets_self_test(*engine)) {
        bool ok = res.planted && res.redacted_ok && res.streamed_ok;
        r.line(ok, "secret " + res.family,
               ok ? res.pattern_id
                  : std::string{!res.planted       ? "not planted"
                                : !res.redacted_ok ? "NOT redacted"
                                                   : "streaming differs"});
      }
    }
    std::cout << (r.failures == 0 ? "all checks passed\n"
                                  : std::to_string(r.failures)
                                      + " check(s) failed\n");
    throw exit_request{r.failures == 0 ? 0 : 1};
  });
}

} // namespace telclaude::app
