#include "config/sandbox_reader.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace telclaude::config {

namespace {

bool is_name_char(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
      || (!first && c >= '0' && c <= '9');
}

/// `NAME` or `PREFIX_*`: letters, digits, _ (not starting with a digit).
bool is_env_pattern(std::string_view name) {
  if (name.ends_with('*'))
    name.remove_suffix(1);
  if (name.empty())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!is_name_char(name[i], i == 0))
      return false;
  return true;
}

/// The relay's own secrets: no `env.allow` entry may name them.
constexpr std::array<std::string_view, 3> secret_prefixes{
  "TELEGRAM_", "TELCLAUDE_", "TOTP_"};

bool touches_secrets(std::string_view pattern) {
  bool prefix = pattern.ends_with('*');
  if (prefix)
    pattern.remove_suffix(1);
  for (auto secret : secret_prefixes) {
    if (pattern.starts_with(secret))
      return true;
    // "TELE*" would widen into TELEGRAM_*.
    if (prefix && secret.starts_with(pattern))
      return true;
  }
  return false;
}

void read_env(json_object in, sandbox_settings& out) {
  if (auto allow = in.find("allow")) {
    out.env_allow.clear();
    for (const auto& element : allow->array()) {
      auto name = element.string();
      if (!is_env_pattern(name))
        element.expected("a variable name such as \"HTTP_TIMEOUT\" or a "
                         "prefix such as \"NODE_*\"",
                         "config.invalid");
      if (touches_secrets(name))
        element.fail("config.invalid",
                     "\"" + name + "\" would let the relay's own secrets "
                     "(TELEGRAM_*, TELCLAUDE_*, TOTP_*) into the sandbox; "
                     "they never enter it");
      out.env_allow.push_back(std::move(name));
    }
  }
  in.finish();
}

/// A DNS label: letters, digits, hyphens, not starting or ending with one.
bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-'
      || label.back() == '-')
    return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

/// A lower-case host name with at least two labels.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253)
    return false;
  std::size_t labels = 0;
  while (true) {
    auto dot = name.find('.');
    if (!is_label(name.substr(0, dot)))
      return false;
    ++labels;
    if (dot == std::string_view::npos)
      break;
    name.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

bool is_all_digits_and_dots(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

void read_domains(const json_node& node, std::vector<std::string>& out) {
  out.clear();
  for (const auto& element : node.array()) {
    auto domain = element.string();
    std::string_view name = domain;
    if (name.starts_with("*."))
      name.remove_prefix(2);
    if (is_all_digits_and_dots(name) || name.find(':') != name.npos)
      element.fail("config.invalid",
                   "\"" + domain + "\" is an address or has a port; list "
                   "\"host:port\" entries in allowHosts instead");
    if (!is_host_name(name))
      element.expected("a lower-case domain such as \"api.anthropic.com\" "
                       "or \"*.example.com\"",
                       "config.invalid");
    out.push_back(std::move(domain));
  }
}

/// `host:port`, `[v6]:port`; the host a name, an IPv4 or IPv6 literal.
bool is_host_port(std::string_view entry) {
  auto colon = entry.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  auto host = entry.substr(0, colon);
  auto port_text = entry.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size()
      || port < 1 || port > 65535 || port_text[0] == '0')
    return false;
  if (host.front() == '[') {
    if (host.size() < 4 || host.back() != ']')
      return false;
    auto v6 = host.substr(1, host.size() - 2);
    return std::all_of(v6.begin(), v6.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
          || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    });
  }
  if (host.find(':') != std::string_view::npos)
    return false;
  if (is_all_digits_and_dots(host))
    return std::count(host.begin(), host.end(), '.') == 3;
  return host == "localhost" || is_host_name(host);
}

void read_network(json_object in, sandbox_network_settings& out) {
  if (auto domains = in.find("allowedDomains"))
    read_domains(*domains, out.allowed_domains);
  if (auto hosts = in.find("allowHosts")) {
    out.allow_hosts.clear();
    for (const auto& element : hosts->array()) {
      auto entry = element.string();
      if (!is_host_port(entry))
        element.expected("\"host:port\" such as \"127.0.0.1:8080\", "
                         "\"gateway.corp.example:443\" or \"[::1]:8080\"",
                         "config.invalid");
      out.allow_hosts.push_back(std::move(entry));
    }
  }
  in.finish();
}

void read_limits(json_object in, sandbox_limit_settings& out) {
  in.read("maxConcurrentAgents", out.max_concurrent_agents, 1, 1024);
  in.read("maxAgentsPerUser", out.max_agents_per_user, 1, 1024);
  in.read("minSpawnIntervalMs", out.min_spawn_interval_ms, 0, 60000);
  if (auto memory = in.find("maxMemoryMb")) {
    out.max_memory_mb = memory->integer(0, 1 << 22);
    if (out.max_memory_mb != 0 && out.max_memory_mb < 64)
      memory->fail("config.range",
                   "expected 0 (no cap) or at least 64 (MiB), got "
                     + std::to_string(out.max_memory_mb)
                     + "; the agent cannot start with less");
  }
  if (auto memory = in.find("maxSandboxMemoryMb"))
    out.max_sandbox_memory_mb = memory->integer(0, 1 << 22);
  in.read("maxProcesses", out.max_processes, 8, 65536);
  in.read("maxOpenFiles", out.max_open_files, 64, 1048576);
  in.read("maxCpuSeconds", out.max_cpu_seconds, 1, 86400);
  in.finish();
  if (out.max_agents_per_user > out.max_concurrent_agents)
    throw user_error("config.invalid",
                     in.child_path("maxAgentsPerUser")
                       + ": must be at most maxConcurrentAgents ("
                       + std::to_string(out.max_concurrent_agents) + "), got "
                       + std::to_string(out.max_agents_per_user));
}

/// A glob relative to a writable path: no leading '/', no "..".
bool is_relative_glob(std::string_view glob) {
  if (glob.empty() || glob.front() == '/' || glob.find('\0') != glob.npos)
    return false;
  std::size_t start = 0;
  while (start <= glob.size()) {
    auto slash = glob.find('/', start);
    auto part = glob.substr(start, slash == glob.npos ? glob.npos
                                                      : slash - start);
    if (part.empty() || part == "..")
      return false;
    if (slash == glob.npos)
      break;
    start = slash + 1;
  }
  return true;
}

} // namespace

void read_sandbox(json_object in, sandbox_settings& out) {
  auto deny_write = in.find("denyWrite");
  auto env = in.object("env");
  auto network = in.object("network");
  auto limits = in.object("limits");
  in.finish();

  if (deny_write) {
    out.deny_write.clear();
    for (const auto& element : deny_write->array()) {
      auto glob = element.string();
      if (!is_relative_glob(glob))
        element.expected("a glob relative to the workdir such as "
                         "\"*.sqlite\" or \"secrets/*\" (no leading /, "
                         "no ..)",
                         "config.invalid");
      out.deny_write.push_back(std::move(glob));
    }
  }
  read_env(std::move(env), out);
  read_network(std::move(network), out.network);
  read_limits(std::move(limits), out.limits);
}

} // namespace telclaude::config
