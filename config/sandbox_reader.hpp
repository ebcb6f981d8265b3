#pragma once

#include "config/json_reader.hpp"
#include "config/settings.hpp"

namespace telclaude::config {

/// Reads `sandbox` (denyWrite, env.allow, network, limits) into `out`,
/// applying defaults. Every error names the key's full path:
/// `sandbox.network.allowHosts[1]: expected "host:port" ...`.
void read_sandbox(json_object in, sandbox_settings& out);

} // namespace telclaude::config
