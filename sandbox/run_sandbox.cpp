#include "sandbox/run_sandbox.hpp"

#include "sandbox/egress_policy.hpp"

namespace telclaude::sandbox {

run_sandbox::run_sandbox(const policy& base, bool workdir_writable,
                         const std::vector<std::string>& deny_write)
  : policy_(base) {
  policy_.workdir_writable = workdir_writable;
  if (workdir_writable && !policy_.workdir.empty()) {
    guard_ = std::make_unique<write_guard>(policy_.workdir, deny_write);
    policy_.read_only_overlays = guard_->overlays();
  }
}

std::vector<std::string> run_sandbox::finish() {
  return guard_ ? guard_->finish() : std::vector<std::string>{};
}

std::vector<std::string> loopback_forwards(
  const std::vector<std::string>& allow_hosts) {
  std::vector<std::string> out;
  for (const auto& entry : allow_hosts) {
    auto hp = parse_host_port(entry);
    if (!hp)
      continue;
    if (hp->host == "localhost")
      hp->host = "127.0.0.1";
    auto addr = ip_address::parse(hp->host);
    if (!addr || classify(*addr) != address_kind::loopback)
      continue;
    out.push_back(addr->v6 ? "[" + hp->host + "]:" + std::to_string(hp->port)
                           : hp->host + ":" + std::to_string(hp->port));
  }
  return out;
}

} // namespace telclaude::sandbox
