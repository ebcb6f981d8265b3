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

/// Replaces `security.profile` with the profile named `name` (from
/// `relay --profile`); `source` starts the messages. Throws
/// telclaude::user_error config.range for a name other than simple,
/// strict or test, and config.invalid for "test" unless
/// TELCLAUDE_ENABLE_TEST_PROFILE=1.
void select_profile(settings& s, std::string_view name,
                    const environment& env,
                    const std::string& source = "--profile");

/// A human summary for `relay --dry-run`, bot token masked.
std::string describe(const settings& s);

} // namespace telclaude::config
