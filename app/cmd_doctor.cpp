#include <iostream>

#include <CLI/CLI.hpp>

#include "actors/supervisor.hpp"
#include "agent/child_process.hpp"
#include "app/commands.hpp"
#include "app/relay_runner.hpp"
#include "config/environment.hpp"
#include "config/loader.hpp"
#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/environment.hpp"
#include "sandbox/probe.hpp"
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

} // namespace

void add_doctor_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    bool secrets = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand("doctor", "Check config, sandbox, agent and "
                                           "redactor; exit 1 on a problem");
  cmd->add_option("--config", o->config, "Config file");
  cmd->add_flag("--secrets", o->secrets,
                "Plant one example of every CORE secret family and check "
                "the redactor catches it");
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
      auto blocked = 0;
      for (auto& kv : env)
        if (!sandbox::is_allowed_name(kv.substr(0, kv.find('='))))
          ++blocked;
      r.line(true, "agent environment",
             std::to_string(env.size() - blocked) + " names allowed, "
               + std::to_string(blocked) + " blocked");
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
