#pragma once

#include "config/environment.hpp"
#include "config/settings.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace telclaude::config {

/// Reads and validates the config file, then applies the environment
/// (TELEGRAM_BOT_TOKEN, TELCLAUDE_LOG_LEVEL, TELCLAUDE_DATA_DIR, HOME).
/// Throws telclaude::user_error: config.not_found, config.unreadable, and
/// everything parse() throws. Exit code 2 (telclaude::exit_code::usage).
settings load(const std::filesystem::path& file, const environment& env);

/// Validates config text. `origin` is the file it came from: relative paths
/// in the config are resolved against its directory, and syntax errors name
/// it. Throws telclaude::user_error: config.syntax, config.unknown_key,
/// config.type, config.range, config.missing, config.invalid; messages
/// start with the exact path (`telegram.allowedChats[2]: ...`) and never
/// contain the bot token.
settings parse(std::string_view json, const environment& env,
               const std::filesystem::path& origin = {});

/// A human summary for `relay --dry-run`, bot token masked.
std::string describe(const settings& s);

} // namespace telclaude::config
