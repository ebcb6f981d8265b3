#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"

namespace telclaude::app {

/// Loads the configuration the way every subcommand does: `--config`, else
/// TELCLAUDE_CONFIG, else ~/.telclaude/telclaude.json; the environment
/// provides the token, log level and data dir.
config::settings load_settings(const std::optional<std::string>& config_flag);

/// Validates, starts the relay and serves until SIGINT/SIGTERM (exit 0) or
/// until polling stops for good (exit 1). With `dry_run`, only validates and
/// prints what it would run.
int run_relay(const config::settings& settings, bool dry_run, bool verbose);

} // namespace telclaude::app
