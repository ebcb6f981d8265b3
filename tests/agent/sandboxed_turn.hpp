#pragma once

#include "agent/child_process.hpp"
#include "agent/invocation.hpp"
#include "agent/stream_json.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/egress_proxy.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace telclaude::testing {

/// Everything one sandboxed turn printed, parsed.
struct turn_output {
  std::vector<agent::event> events;
  agent::exit_status status;
  std::string stderr_tail;

  std::optional<agent::result_event> result() const {
    for (const auto& e : events)
      if (auto* r = std::get_if<agent::result_event>(&e))
        return *r;
    return std::nullopt;
  }
  std::string session_id() const {
    for (const auto& e : events)
      if (auto* init = std::get_if<agent::init_event>(&e))
        return init->session_id;
    return {};
  }
  std::string text() const {
    std::string out;
    for (const auto& e : events)
      if (auto* t = std::get_if<agent::text_event>(&e))
        out += t->text;
    return out;
  }
  template <class T>
  std::size_t count() const {
    return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [](const auto& e) {
        return std::holds_alternative<T>(e);
      }));
  }
};

/// Runs one turn of `command` under `p` and parses its stream-json; calls
/// `on_start` with the running child (to signal it) before reading.
inline turn_output run_sandboxed_turn(
  const sandbox::policy& p, const std::vector<std::string>& command,
  const agent::invocation& call,
  const std::function<void(agent::child_process&)>& on_start = {}) {
  agent::child_process child{
    sandbox::sandboxed_spawn(p, agent::build_claude_args(command, call))};
  if (on_start)
    on_start(child);
  agent::stream_json_parser parser;
  turn_output out;
  while (auto line = child.read_line())
    for (auto& e : parser.parse_line(*line))
      out.events.push_back(std::move(e));
  out.status = child.wait();
  out.stderr_tail = child.stderr_tail();
  return out;
}

/// The agent policy of a test without the bridge: workdir `<dir>/work`
/// (created), private state under `<dir>/state`, `program`'s directory
/// visible, no network at all (or the host's, when `share_net`).
inline sandbox::policy test_policy(const std::filesystem::path& dir,
                                   const std::string& program,
                                   const std::vector<std::string>& source_env,
                                   bool share_net) {
  std::filesystem::create_directories(dir / "work");
  sandbox::agent_sandbox s;
  s.workdir = (dir / "work").string();
  s.state_dir = (dir / "state").string();
  s.program = program;
  s.share_net = share_net;
  return sandbox::agent_policy(s, source_env);
}

/// An egress proxy on `<dir>/egress.sock` letting through only
/// `allow_hosts` (such as the loopback fake Messages API).
inline std::unique_ptr<sandbox::egress_proxy> test_proxy(
  const std::filesystem::path& dir, std::vector<std::string> allow_hosts) {
  sandbox::egress_proxy_options o;
  o.socket_path = (dir / "egress.sock").string();
  o.allowed_domains = {};
  o.allow_hosts = std::move(allow_hosts);
  return std::make_unique<sandbox::egress_proxy>(std::move(o));
}

/// The agent policy of a test, built like the relay's: workdir
/// `<dir>/work` (created), private state under `<dir>/state`, `program`'s
/// directory visible, no network but the bridge to `proxy`, whose
/// loopback allowHosts are forwarded inside.
inline sandbox::policy test_policy(const std::filesystem::path& dir,
                                   const std::string& program,
                                   const std::vector<std::string>& source_env,
                                   const sandbox::egress_proxy& proxy,
                                   const std::vector<std::string>& forwards) {
  std::filesystem::create_directories(dir / "work");
  sandbox::agent_sandbox s;
  s.workdir = (dir / "work").string();
  s.state_dir = (dir / "state").string();
  s.program = program;
  s.netbridge = sandbox::netbridge_path();
  s.proxy_socket = proxy.socket_path();
  s.forwards = forwards;
  return sandbox::agent_policy(s, source_env);
}

/// "127.0.0.1:PORT" of an http://127.0.0.1:PORT base URL.
inline std::string host_port_of(const std::string& base_url) {
  auto rest = base_url.substr(base_url.find("://") + 3);
  return rest.substr(0, rest.find('/'));
}

/// One plain turn: `prompt`, resuming `resume` when not empty.
inline turn_output run_prompt(const sandbox::policy& p,
                              const std::string& program,
                              const std::string& prompt,
                              const std::string& resume = {},
                              bool partial = false) {
  agent::invocation call;
  call.prompt = prompt;
  call.resume_session_id = resume;
  call.partial_messages = partial;
  return run_sandboxed_turn(p, {program}, call);
}

} // namespace telclaude::testing
