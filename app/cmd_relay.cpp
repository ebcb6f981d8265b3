#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/relay_runner.hpp"
#include "config/environment.hpp"
#include "config/loader.hpp"
#include "core/error.hpp"

namespace telclaude::app {

void add_relay_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    std::optional<std::string> profile;
    bool dry_run = false;
    bool verbose = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand(
    "relay", "Serve Telegram chats: long poll, sandboxed agent, redacted "
             "replies");
  cmd->add_option("--config", o->config,
                  "Config file (default: $TELCLAUDE_CONFIG, else "
                  "~/.telclaude/telclaude.json)");
  cmd->add_option("--profile", o->profile,
                  "Security profile for this run: simple, strict or test "
                  "(overrides security.profile; test needs "
                  "TELCLAUDE_ENABLE_TEST_PROFILE=1)");
  cmd->add_flag("--dry-run", o->dry_run,
                "Validate config and sandbox, print the plan, start nothing");
  cmd->add_flag("-v,--verbose", o->verbose, "Log at debug level");
  cmd->callback([o] {
    auto settings = load_settings(o->config);
    if (o->profile) {
      config::process_environment env;
      config::select_profile(settings, *o->profile, env);
    }
    throw exit_request{run_relay(settings, o->dry_run, o->verbose)};
  });
}

} // namespace telclaude::app
