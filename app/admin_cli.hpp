#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "storage/audit_file.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"

namespace telclaude::app {

/// The settings of an admin subcommand (`link`, `reset-auth`): `--config`,
/// else TELCLAUDE_CONFIG, else ~/.telclaude/telclaude.json. When neither
/// the flag nor the variable names a file and the default one does not
/// exist, the defaults (data dir from the environment, audit on, to
/// `<data dir>/audit.log`); a file that was named but is missing, or that
/// exists but is invalid, is an error (config.*).
config::settings load_admin_settings(const std::optional<std::string>& flag);

/// The help text of their `--config` option.
inline constexpr const char* admin_config_help =
  "Config file, for security.audit (default: $TELCLAUDE_CONFIG, else "
  "~/.telclaude/telclaude.json; defaults when there is none)";

/// `<data dir>/telclaude.db`, the relay's database.
std::filesystem::path database_file(const std::filesystem::path& data_dir);

/// The database an admin subcommand changes, and the audit trail each
/// change is written to: the `audit_log` table and the JSONL file, both
/// skipped when `security.audit.enabled` is false. The audit file is
/// opened first, so a bad `logFile` stops the command before it changes
/// anything.
class admin_store {
public:
  /// Opens (creating if needed) the database and the audit file. Throws
  /// user_error storage.open, storage.corrupt or audit.open.
  explicit admin_store(const config::settings& settings);

  storage::database& db() noexcept {
    return db_;
  }

  /// Appends `record` to both sides of the trail, stamped with the current
  /// time. Throws storage_error or std::system_error when a side fails.
  void audit(storage::audit_record record);

private:
  std::unique_ptr<storage::audit_file> file_;  // null when audit is off
  storage::database db_;
};

/// `unix_ms` as ISO 8601 UTC to the second: `2024-05-01T12:00:00Z`.
std::string iso_utc(long long unix_ms);

/// `tg:<id>`, how users are written in the config and the CLI.
std::string user_key(std::int64_t user_id);

/// The user id of `tg:<id>` given as `where` (an option or command name,
/// for the message). Throws user_error link.bad_user saying what is wrong:
/// no `tg:` prefix, no number, negative, 0, a leading zero, too large.
std::int64_t parse_user(const std::string& text, const std::string& where);

/// Prints `rows` (the first one is the header) as columns two spaces
/// apart, each as wide as its widest cell in code points; the last column
/// is not padded.
void print_table(std::ostream& out,
                 const std::vector<std::vector<std::string>>& rows);

} // namespace telclaude::app
