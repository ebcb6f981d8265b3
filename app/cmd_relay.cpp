#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/relay_runner.hpp"
#include "core/error.hpp"

namespace telclaude::app {

void add_relay_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
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
  cmd->add_flag("--dry-run", o->dry_run,
                "Validate config and sandbox, print the plan, start nothing");
  cmd->add_flag("-v,--verbose", o->verbose, "Log at debug level");
  cmd->callback([o] {
    auto settings = load_settings(o->config);
    throw exit_request{run_relay(settings, o->dry_run, o->verbose)};
  });
}

} // namespace telclaude::app
