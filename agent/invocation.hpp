#pragma once

#include <string>
#include <vector>

namespace telclaude::agent {

/// What one turn asks of the `claude` CLI.
struct invocation {
  std::string prompt;
  /// The session to continue (`--resume`); empty starts a new session.
  std::string resume_session_id;
  /// `--model`; empty keeps the CLI's default.
  std::string model;
  /// `--include-partial-messages`: token-level text deltas.
  bool partial_messages = false;
  /// `--tools`: the built-in tools that exist for this turn at all, one
  /// name per entry; empty keeps the CLI's default set.
  std::vector<std::string> tools;
  /// `--allowedTools` / `--disallowedTools`, one rule per entry.
  std::vector<std::string> allowed_tools;
  std::vector<std::string> disallowed_tools;
  /// `--permission-mode` (default, acceptEdits, dontAsk, plan); empty keeps
  /// the CLI's default.
  std::string permission_mode;
  /// Passed through before the prompt (e.g. `--max-turns 5`).
  std::vector<std::string> extra_args;
};

/// The argv of one print-mode turn: `command` (the configured
/// `agent.command`, e.g. {"claude"}) followed by `-p --output-format
/// stream-json --verbose`, the options `call` asks for, and the prompt after
/// `--`, so that a prompt starting with "-" is never read as an option and
/// variadic options (`--allowedTools a b`) cannot swallow it.
std::vector<std::string> build_claude_args(
  const std::vector<std::string>& command, const invocation& call);

} // namespace telclaude::agent
