#pragma once

#include "sandbox/bwrap.hpp"
#include "sandbox/egress_proxy.hpp"
#include "sandbox/self_test.hpp"

#include <memory>
#include <string>
#include <vector>

namespace telclaude::sandbox {

/// What the relay knows at start-up about its agents' sandbox.
struct relay_sandbox_options {
  std::string workdir;   ///< canonical
  std::string data_dir;  ///< the proxy socket and private dirs go here
  std::string program;   ///< resolve_command()
  std::vector<std::string> extra_env_names;
  std::vector<std::string> allowed_domains;
  std::vector<std::string> allow_hosts;
  /// Host paths the self-test must not see (the database, config, audit
  /// log, TOTP socket and secrets, the host's ~/.ssh, ...).
  std::vector<std::string> hidden;
  /// Run the start-up self-test (doctor and the relay do).
  bool self_test = true;
  /// host:port the self-test asks the proxy to open (doctor --network).
  std::vector<std::string> reach;
  /// The proxy's socket under `<data_dir>/sandbox/` (doctor uses its own,
  /// so that a running relay's proxy is left alone).
  std::string socket_name = "egress.sock";
};

/// The running egress proxy and the policy every run starts from.
struct relay_sandbox {
  std::shared_ptr<egress_proxy> proxy;
  /// Workdir read-only; run_sandbox makes it writable by tier.
  policy base;
  self_test_result self_test;
};

/// Starts the egress proxy on `<data_dir>/sandbox/egress.sock`, builds
/// the agents' policy (no network but the bridge, loopback allowHosts
/// forwarded) and runs the self-test inside it: the hidden paths are
/// absent, the environment holds none of the relay's secrets, there is no
/// interface but loopback, and the proxy refuses 169.254.169.254 and a
/// private address. Throws user_error (`sandbox.netbridge`,
/// `sandbox.proxy`, `sandbox.state_dir`) when a piece is missing; the
/// self-test's verdict is returned for the caller to enforce.
relay_sandbox prepare_relay_sandbox(const relay_sandbox_options& options,
                                    const std::vector<std::string>& source_env);

/// The hidden paths of a relay: every entry of `data_dir` except the
/// agents' `sandbox/` dir, `extra` (config file, audit log, TOTP socket),
/// and the relay user's ~/.ssh, ~/.aws, ~/.gnupg, ~/.config when `home`
/// is set.
std::vector<std::string> relay_hidden_paths(
  const std::string& data_dir, const std::vector<std::string>& extra,
  const std::string& home);

} // namespace telclaude::sandbox
