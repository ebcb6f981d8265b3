#pragma once

#include <string>
#include <vector>

/// Parts of telclaude-netbridge (the program that runs the agent inside
/// its sandbox, see sandbox/netbridge_main.cpp) that can be tested alone.
namespace telclaude::sandbox::netbridge {

/// The bridge's exit status when it cannot set itself up (no agent ran).
inline constexpr int setup_failed = 125;

/// Where the bridge is mounted inside every sandbox, and the proxy socket.
inline constexpr const char* inside_path = "/run/telclaude/netbridge";
inline constexpr const char* inside_socket = "/run/telclaude/egress.sock";

/// `--socket PATH [--forward HOST:PORT]... -- PROGRAM ARGS...`
struct arguments {
  std::string socket;
  /// Loopback host:port entries listened on inside and tunnelled
  /// (CONNECT) to the same host:port through the proxy.
  std::vector<std::string> forwards;
  std::vector<std::string> command;
  std::string error;  ///< what is wrong; empty when parsed
};

arguments parse_args(const std::vector<std::string>& args);

/// The argv that runs `command` under the bridge inside the sandbox.
std::vector<std::string> wrap(const std::vector<std::string>& forwards,
                              const std::vector<std::string>& command);

/// A connected Unix stream socket, or -1.
int connect_unix(const std::string& path);

/// Sends `CONNECT target` on `fd` and reads the response head: the
/// status code (0 when none came); `why` gets the reason phrase and body.
int proxy_connect(int fd, const std::string& target, std::string* why = nullptr);

/// `--check [--hidden PATH]... [--refuse HOST:PORT]... [--reach
/// HOST:PORT]...`: the sandbox self-test, run inside a sandbox under the
/// bridge. Prints one line per check (`ok`, `FAIL`, `info`); 0 when none
/// failed, 1 otherwise.
int run_check(const std::vector<std::string>& args);

} // namespace telclaude::sandbox::netbridge
