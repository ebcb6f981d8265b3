#include "sandbox/environment.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

extern char** environ;

namespace telclaude::sandbox {

namespace {

constexpr std::string_view default_path = "/usr/local/bin:/usr/bin:/bin";

constexpr std::array allowed_names{
  std::string_view{"PATH"},
  std::string_view{"LANG"},
  std::string_view{"LANGUAGE"},
  std::string_view{"LC_*"},
  std::string_view{"TERM"},
  std::string_view{"TZ"},
  std::string_view{"ANTHROPIC_API_KEY"},
  std::string_view{"ANTHROPIC_BASE_URL"},
  std::string_view{"CLAUDE_CODE_*"},
};

constexpr std::array forbidden_prefixes{
  std::string_view{"TELEGRAM_"},
  std::string_view{"TELCLAUDE_"},
  std::string_view{"TOTP_"},
};

bool matches(std::string_view name, std::string_view pattern) {
  if (pattern.ends_with('*'))
    return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return name == pattern;
}

/// HOME and TMPDIR are the sandbox's own; the prefixes are the relay's
/// secrets.
bool is_reserved_name(std::string_view name) {
  if (name.empty() || name == "HOME" || name == "TMPDIR")
    return true;
  return std::any_of(
    forbidden_prefixes.begin(), forbidden_prefixes.end(),
    [name](std::string_view prefix) { return name.starts_with(prefix); });
}

} // namespace

bool is_allowed_name(std::string_view name,
                     const std::vector<std::string>& extra_names) {
  if (is_reserved_name(name))
    return false;
  for (auto pattern : allowed_names)
    if (matches(name, pattern))
      return true;
  for (const auto& pattern : extra_names)
    if (matches(name, pattern))
      return true;
  return false;
}

std::vector<std::string> allowlisted_environment(
  const std::vector<std::string>& source, const environment_options& options) {
  std::vector<std::string> out;
  bool has_path = false;
  for (const auto& entry : source) {
    auto equals = entry.find('=');
    if (equals == std::string::npos)
      continue;
    std::string_view name{entry.data(), equals};
    if (!is_allowed_name(name, options.extra_names))
      continue;
    has_path = has_path || name == "PATH";
    out.push_back(entry);
  }
  if (!has_path)
    out.push_back("PATH=" + std::string{default_path});
  out.push_back("HOME=" + options.home);
  out.push_back("TMPDIR=" + options.tmpdir);
  return out;
}

void set_variables(
  std::vector<std::string>& env,
  const std::vector<std::pair<std::string, std::string>>& variables) {
  for (const auto& [name, value] : variables)
    if (is_reserved_name(name) || name.find('=') != std::string::npos)
      throw std::invalid_argument("the agent's environment cannot set '"
                                  + name + "'");
  for (const auto& [name, value] : variables) {
    const auto prefix = name + "=";
    std::erase_if(env, [&prefix](const std::string& entry) {
      return entry.starts_with(prefix);
    });
    env.push_back(prefix + value);
  }
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
    out.emplace_back(*entry);
  return out;
}

} // namespace telclaude::sandbox
