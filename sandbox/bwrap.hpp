#pragma once

#include "agent/child_process.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace telclaude::sandbox {

/// What the sandboxed process sees. Host paths are mounted at the same path
/// inside, so the paths the agent reports (cwd, transcripts) are the
/// relay's too.
struct policy {
  /// The agent's working directory; empty: none is mounted, cwd is "/".
  std::string workdir;
  bool workdir_writable = true;
  /// The agent's private home (writable); empty: none is mounted.
  std::string home;
  /// A host directory mounted (writable) at /tmp; empty: a fresh tmpfs.
  std::string tmp;
  /// Mounted read-only; a path that is a symlink on the host (such as /bin
  /// on merged-/usr systems) becomes the same symlink inside.
  std::vector<std::string> read_only_paths;
  /// Keep the host's network namespace. The relay never does: its agents
  /// reach the network only through the egress proxy (`netbridge`).
  bool share_net = false;
  /// The sandboxed process's whole environment, NAME=VALUE.
  std::vector<std::string> env;
  /// Host path of telclaude-netbridge; when set, it and `proxy_socket`
  /// are mounted read-only under /run/telclaude and the command runs
  /// under the bridge (netbridge::wrap), which gives it HTTPS_PROXY.
  std::string netbridge;
  /// Host path of the egress proxy's Unix socket.
  std::string proxy_socket;
  /// Loopback `host:port` entries the bridge listens on inside and
  /// tunnels through the proxy (a loopback ANTHROPIC_BASE_URL).
  std::vector<std::string> forwards;
  /// Paths inside writable mounts kept read-only (mounted after them):
  /// sensitive files and placeholders (sandbox/write_guard.hpp).
  std::vector<std::string> read_only_overlays;
};

/// Where and how the agent runs, in the relay's terms.
struct agent_sandbox {
  /// The agent's working directory.
  std::string workdir;
  bool workdir_writable = true;
  /// A directory of the relay's own (under its data dir) that holds the
  /// agent's private `home/` and `tmp/`; both are created (mode 0700).
  std::string state_dir;
  /// The agent program's real path (resolve_command()); its directory is
  /// mounted read-only.
  std::string program;
  /// Further variable names let through (environment_options).
  std::vector<std::string> extra_env_names;
  /// Host path of telclaude-netbridge and the egress proxy's socket
  /// (policy::netbridge); empty: no way out at all.
  std::string netbridge;
  std::string proxy_socket;
  std::vector<std::string> forwards;
  /// Only for tests that predate the proxy; the relay never sets it.
  bool share_net = false;
};

/// The policy for an agent: system directories and the program's directory
/// read-only, the workdir, the private home and /tmp, and the allowlisted
/// environment built from `source_env` (HOME the private home, TMPDIR
/// /tmp). Throws telclaude::user_error (`sandbox.state_dir`) when the
/// private directories cannot be created.
policy agent_policy(const agent_sandbox& sandbox,
                    const std::vector<std::string>& source_env);

/// System directories that exist on this host: /usr /bin /lib /lib64
/// /sbin, and of /etc only what programs need (etc_read_only_paths()).
std::vector<std::string> system_read_only_paths();

/// The parts of /etc mounted (those present): name service, users and
/// groups, time zone, TLS certificates, the dynamic linker's cache.
std::vector<std::string> etc_read_only_paths();

/// telclaude-netbridge next to this program (TELCLAUDE_NETBRIDGE wins);
/// throws telclaude::user_error `sandbox.netbridge` when it is missing.
std::string netbridge_path();

/// The real path of an agent command (a path, or a name looked up in
/// `path_list`), following symlinks: the program that runs inside, whose
/// directory must be visible there. Throws telclaude::user_error
/// (`agent.not_found`) when there is none.
std::string resolve_command(std::string_view command,
                            std::string_view path_list);

/// The bwrap argv (starting with "bwrap") that runs `inner_argv` under
/// `p`: every namespace unshared (the network kept when share_net), dies
/// with its parent, all capabilities dropped, fresh /proc and /dev, the
/// mounts of `p`, the environment cleared to `p.env`, cwd the workdir.
std::vector<std::string> build_bwrap_args(
  const policy& p, const std::vector<std::string>& inner_argv);

/// How to start `inner_argv` under `p`: the bwrap argv, started with the
/// same allowlisted environment (bwrap's own environment stays readable
/// inside, at /proc/1/environ) and with SIGINT ignored by bwrap itself, so
/// that an interrupt sent to the process group reaches the agent while
/// bwrap stays to report its exit status.
agent::spawn_options sandboxed_spawn(const policy& p,
                                     const std::vector<std::string>& inner_argv);

} // namespace telclaude::sandbox
