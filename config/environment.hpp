#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace telclaude::config {

/// The process environment, injected so tests control it.
class environment {
public:
  virtual ~environment() = default;

  /// The value of `name`, or nullopt when it is unset. An empty value
  /// counts as unset, so `FOO= telclaude` behaves like no FOO at all.
  virtual std::optional<std::string> get(const std::string& name) const = 0;
};

/// The real environment of this process.
class process_environment final : public environment {
public:
  std::optional<std::string> get(const std::string& name) const override;
};

/// A fixed set of variables; for tests.
class map_environment final : public environment {
public:
  map_environment() = default;
  explicit map_environment(std::map<std::string, std::string> vars);

  std::optional<std::string> get(const std::string& name) const override;

  /// Sets `name` to `value`.
  void set(const std::string& name, std::string value);

  /// Removes `name`.
  void unset(const std::string& name);

private:
  std::map<std::string, std::string> vars_;
};

/// Expands a leading `~` or `~/` with HOME. `what` names the setting in the
/// config.missing error thrown when HOME is needed but unset.
std::filesystem::path expand_home(const std::string& path,
                                  const environment& env,
                                  const std::string& what);

/// The config file to read: `--config FILE` (`flag`), else
/// TELCLAUDE_CONFIG, else `~/.telclaude/telclaude.json`; `~` expanded.
std::filesystem::path resolve_config_path(const std::optional<std::string>& flag,
                                          const environment& env);

/// The data directory: TELCLAUDE_DATA_DIR, else `~/.telclaude`; `~`
/// expanded.
std::filesystem::path resolve_data_dir(const environment& env);

/// The TOTP daemon's socket, which the daemon, the relay and the CLI must
/// agree on: TELCLAUDE_TOTP_SOCKET when set and not empty, else
/// `<data_dir>/totp.sock`.
std::filesystem::path resolve_totp_socket(const environment& env,
                                          const std::filesystem::path& data_dir);

} // namespace telclaude::config
