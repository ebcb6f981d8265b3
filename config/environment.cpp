#include "config/environment.hpp"

#include "core/error.hpp"

#include <cstdlib>
#include <utility>

namespace telclaude::config {

std::optional<std::string>
process_environment::get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0')
    return std::nullopt;
  return std::string{value};
}

map_environment::map_environment(std::map<std::string, std::string> vars)
  : vars_(std::move(vars)) {
}

std::optional<std::string>
map_environment::get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end() || it->second.empty())
    return std::nullopt;
  return it->second;
}

void map_environment::set(const std::string& name, std::string value) {
  vars_[name] = std::move(value);
}

void map_environment::unset(const std::string& name) {
  vars_.erase(name);
}

std::filesystem::path expand_home(const std::string& path,
                                  const environment& env,
                                  const std::string& what) {
  if (path != "~" && !path.starts_with("~/"))
    return path;
  auto home = env.get("HOME");
  if (!home)
    throw user_error("config.missing",
                     what + ": HOME is not set, so \"" + path
                       + "\" cannot be expanded; give an absolute path");
  if (path == "~")
    return std::filesystem::path{*home};
  return std::filesystem::path{*home} / path.substr(2);
}

std::filesystem::path
resolve_config_path(const std::optional<std::string>& flag,
                    const environment& env) {
  if (flag && !flag->empty())
    return expand_home(*flag, env, "--config");
  if (auto value = env.get("TELCLAUDE_CONFIG"))
    return expand_home(*value, env, "TELCLAUDE_CONFIG");
  return expand_home("~/.telclaude/telclaude.json", env,
                     "config file (--config or TELCLAUDE_CONFIG)");
}

std::filesystem::path resolve_data_dir(const environment& env) {
  if (auto value = env.get("TELCLAUDE_DATA_DIR"))
    return expand_home(*value, env, "TELCLAUDE_DATA_DIR");
  return expand_home("~/.telclaude", env, "data dir (TELCLAUDE_DATA_DIR)");
}

std::filesystem::path resolve_totp_socket(const environment& env,
                                          const std::filesystem::path& data_dir) {
  if (auto socket = env.get("TELCLAUDE_TOTP_SOCKET"); socket && !socket->empty())
    return *socket;
  return data_dir / "totp.sock";
}

} // namespace telclaude::config
