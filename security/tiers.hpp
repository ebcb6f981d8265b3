#pragma once

#include "core/tier.hpp"

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace telclaude::security {

/// What one tier asks of the `claude` CLI for one turn. Plain data: the
/// wiring copies it into `agent::invocation` (`agent::apply_tier_flags` in
/// agent/tier_invocation.hpp) and the sandbox's environment
/// (`sandbox::agent_sandbox::extra_env`), so security/ never depends on
/// agent/.
struct agent_flags {
  /// `--tools`: the only built-in tools the agent has; empty: the CLI's
  /// default set.
  std::vector<std::string> tools;
  /// `--allowedTools`, one rule per entry; empty: the CLI's default (all).
  std::vector<std::string> allowed_tools;
  /// `--disallowedTools`, one rule per entry (deny wins over allow).
  std::vector<std::string> disallowed_tools;
  /// `--permission-mode`: "dontAsk", "acceptEdits" or "bypassPermissions".
  std::string permission_mode;
  /// Variables the agent's environment must carry (name, value).
  std::vector<std::pair<std::string, std::string>> extra_env;
  /// True when the mode is bypassPermissions: the CLI refuses it as root
  /// unless IS_SANDBOX=1 is set (it is in extra_env; the sandbox's
  /// environment allowlist must let it through).
  bool needs_is_sandbox_env = false;

  friend bool operator==(const agent_flags&, const agent_flags&) = default;
};

/// The agent flags of tier `t` (see docs/permissions.md):
/// READ_ONLY  - only the tools Read Glob Grep WebFetch WebSearch exist
///              (and are allowed), Write/Edit/NotebookEdit/Bash disallowed,
///              mode dontAsk;
/// WRITE_SAFE - adds Write Edit Bash, disallows destructive Bash rules
///              (`write_safe_bash_rules()`), mode acceptEdits;
/// FULL_ACCESS - no tool lists, mode bypassPermissions, IS_SANDBOX=1.
agent_flags flags_for(telclaude::tier t);

/// The programs WRITE_SAFE refuses as a command's first word: rm rmdir mv
/// chmod chown kill pkill killall sudo su shutdown reboot mkfs dd.
std::span<const std::string_view> write_safe_denied_programs() noexcept;

/// The WRITE_SAFE `--disallowedTools` Bash rules in Claude Code's
/// permission-rule syntax (`Bash(rm *)`, `Bash(* | sh *)`, `Bash(:)`, ...).
std::vector<std::string> write_safe_bash_rules();

/// The verdict of `bash_command_verdict`.
struct bash_verdict {
  bool allowed = true;
  /// Why it was denied ("`rm` is not allowed in WRITE_SAFE", ...); empty
  /// when allowed.
  std::string reason;
};

/// Whether WRITE_SAFE's rules let `command` (one Bash tool input) run.
/// Mirrors the disallowed rules on a small shell lexer: every simple
/// command of a list or pipeline (`;` `&&` `||` `|` `&`, newlines,
/// `$(...)`, backquotes, subshells) is checked after leading `VAR=value`
/// assignments, wrappers (env, command, exec, nohup, nice, time, timeout,
/// xargs, ...) and a directory (`/bin/rm`) or `\` prefix are skipped.
/// Denied: a program of write_safe_denied_programs() (and mkfs.*), a shell
/// fed by a pipe (`curl ... | sh`), a redirection or `tee` into /dev/
/// other than /dev/null, stdout, stderr, tty and /dev/fd/N, a fork bomb
/// (`:(){ :|:& };:`). An unterminated quote is denied. This prevents
/// accidents, not attacks: a script can do what a command line may not.
bash_verdict bash_command_verdict(std::string_view command);

} // namespace telclaude::security
