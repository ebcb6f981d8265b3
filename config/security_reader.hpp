#pragma once

#include "config/environment.hpp"
#include "config/json_reader.hpp"
#include "config/settings.hpp"

#include <filesystem>

namespace telclaude::config {

/// What section readers need besides the JSON (internal to the loader).
struct read_context {
  const environment& env;
  std::filesystem::path base_dir;  // the config file's directory, or empty
  std::filesystem::path data_dir;  // already resolved
};

/// Expands `~` and resolves a relative path against the config's directory.
std::filesystem::path resolve_path(const json_node& node,
                                   const read_context& ctx);

/// Reads `security` (profile, secretFilter, permissions, rateLimits,
/// audit) into `out`, applying defaults; checks the test profile against
/// TELCLAUDE_ENABLE_TEST_PROFILE.
void read_security(json_object in, security_settings& out,
                   const read_context& ctx);

} // namespace telclaude::config
