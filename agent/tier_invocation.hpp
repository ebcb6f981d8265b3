#pragma once

// Glue between the permission policy and the agent's argv. Header-only on
// purpose: telclaude_agent does not link telclaude_security and security/
// never depends on agent/, so neither library compiles this; only code
// that already sees both (actors/, the tests) includes it. It reads plain
// fields and calls nothing of either library.

#include "agent/invocation.hpp"
#include "security/tiers.hpp"

namespace telclaude::agent {

/// Makes `call` ask the CLI for what `flags` (`security::flags_for(tier)`)
/// allows: tools, allowed_tools, disallowed_tools and permission_mode are
/// replaced, not merged, so a turn never keeps a wider rule from elsewhere;
/// the prompt, session, model and extra_args are left alone.
/// `flags.extra_env` is no CLI option: the caller sets it in the sandbox's
/// environment with `sandbox::set_variables(policy.env, flags.extra_env)`
/// (FULL_ACCESS's IS_SANDBOX=1, without which the CLI refuses
/// bypassPermissions as root).
inline void apply_tier_flags(invocation& call,
                             const security::agent_flags& flags) {
  call.tools = flags.tools;
  call.allowed_tools = flags.allowed_tools;
  call.disallowed_tools = flags.disallowed_tools;
  call.permission_mode = flags.permission_mode;
}

} // namespace telclaude::agent
