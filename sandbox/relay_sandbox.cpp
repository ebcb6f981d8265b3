#include "sandbox/relay_sandbox.hpp"

#include "sandbox/run_sandbox.hpp"

#include <filesystem>

namespace telclaude::sandbox {

namespace fs = std::filesystem;

relay_sandbox prepare_relay_sandbox(const relay_sandbox_options& options,
                                    const std::vector<std::string>& source_env) {
  relay_sandbox out;
  auto state = fs::path{options.data_dir} / "sandbox";
  std::error_code ec;
  fs::create_directories(state, ec);
  fs::permissions(state, fs::perms::owner_all, ec);

  agent_sandbox box;
  box.workdir = options.workdir;
  box.workdir_writable = false;
  box.state_dir = state.string();
  box.program = options.program;
  box.extra_env_names = options.extra_env_names;
  box.netbridge = netbridge_path();
  box.forwards = loopback_forwards(options.allow_hosts);

  egress_proxy_options po;
  po.socket_path = (state / options.socket_name).string();
  po.allowed_domains = options.allowed_domains;
  po.allow_hosts = options.allow_hosts;
  out.proxy = std::make_shared<egress_proxy>(std::move(po));
  box.proxy_socket = out.proxy->socket_path();
  out.base = agent_policy(box, source_env);

  if (options.self_test) {
    self_test_plan plan;
    // What is mounted on purpose (the workdir, such as the default
    // `<data dir>/workdir`, and the paths leading to it) is not checked;
    // anything inside it is (a config file in the workdir fails).
    auto within = [](const fs::path& path, const fs::path& dir) {
      auto rel = path.lexically_normal().lexically_relative(
        dir.lexically_normal());
      return !rel.empty() && *rel.begin() != "..";
    };
    for (const auto& h : options.hidden) {
      fs::path hidden{h};
      bool mounted = false;
      for (const auto& m : {fs::path{out.base.workdir},
                            fs::path{out.base.home}, fs::path{out.base.tmp}})
        if (!m.empty() && within(m, hidden))
          mounted = true;
      if (!mounted)
        plan.hidden.push_back(h);
    }
    plan.refuse = {"169.254.169.254:80", "[fd00:ec2::254]:80",
                   "10.0.0.1:80"};
    plan.reach = options.reach;
    out.self_test = run_self_test(out.base, plan);
  } else {
    out.self_test.ok = true;
  }
  return out;
}

std::vector<std::string> relay_hidden_paths(
  const std::string& data_dir, const std::vector<std::string>& extra,
  const std::string& home) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it{data_dir, ec}, end; !ec && it != end;
       it.increment(ec))
    if (it->path().filename() != "sandbox")
      out.push_back(it->path().string());
  for (const auto& e : extra)
    if (!e.empty())
      out.push_back(e);
  if (!home.empty())
    for (const char* d : {".ssh", ".aws", ".gnupg", ".config"})
      out.push_back((fs::path{home} / d).string());
  return out;
}

} // namespace telclaude::sandbox
