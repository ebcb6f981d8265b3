#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace telclaude::sandbox {

/// How the agent's environment is built from the relay's own.
struct environment_options {
  /// HOME inside the sandbox: the agent's private home.
  std::string home;
  /// TMPDIR inside the sandbox (its private /tmp).
  std::string tmpdir = "/tmp";
  /// Further variable names passed through when present; "PREFIX_*"
  /// matches a prefix. Never widens past the relay's own secrets.
  std::vector<std::string> extra_names;
};

/// Whether a variable of this name may enter the sandbox: PATH, LANG,
/// LANGUAGE, LC_*, TERM, TZ, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
/// CLAUDE_CODE_* and `extra_names`, but never TELEGRAM_*, TELCLAUDE_* or
/// TOTP_* (the relay's own secrets), whatever `extra_names` says.
bool is_allowed_name(std::string_view name,
                     const std::vector<std::string>& extra_names = {});

/// The agent's whole environment, NAME=VALUE: the allowed entries of
/// `source` (in its order), then HOME and TMPDIR, and PATH when the source
/// had none. Nothing else enters.
std::vector<std::string> allowlisted_environment(
  const std::vector<std::string>& source, const environment_options& options);

/// Sets each (name, value) of `variables` in `env` (NAME=VALUE entries,
/// e.g. a built `policy::env`): entries of that name are dropped and
/// NAME=VALUE is appended. For values the relay's policy decides, such as a
/// tier's IS_SANDBOX=1 (`security::agent_flags::extra_env`), so no
/// allowlist applies. Throws std::invalid_argument, leaving `env` as it
/// was, when a name is empty, holds `=`, or is HOME, TMPDIR or one of the
/// relay's secret prefixes.
void set_variables(
  std::vector<std::string>& env,
  const std::vector<std::pair<std::string, std::string>>& variables);

/// This process's environment as NAME=VALUE entries (the usual `source`).
std::vector<std::string> process_environment();

} // namespace telclaude::sandbox
