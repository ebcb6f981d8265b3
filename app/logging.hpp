#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace telclaude::security {
class redaction_engine;
} // namespace telclaude::security

namespace telclaude::app {

/// Sets up spdlog: stderr, and `file` when given, at `level`
/// (trace|debug|info|warn|error|off). With an engine, every line passes the
/// redactor before any sink sees it. Throws user_error for a bad level or
/// an unwritable file.
void configure_logging(const std::string& level,
                       const std::optional<std::filesystem::path>& file,
                       std::shared_ptr<const security::redaction_engine>
                         engine = nullptr);

} // namespace telclaude::app
