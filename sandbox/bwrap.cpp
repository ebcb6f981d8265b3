#include "sandbox/bwrap.hpp"

#include "core/error.hpp"
#include "sandbox/environment.hpp"
#include "sandbox/netbridge.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace telclaude::sandbox {

namespace fs = std::filesystem;

std::vector<std::string> etc_read_only_paths() {
  std::vector<std::string> out;
  for (const char* path :
       {"/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf",
        "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/localtime",
        "/etc/timezone", "/etc/ssl", "/etc/ca-certificates",
        "/etc/pki", "/etc/alternatives", "/etc/ld.so.cache",
        "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/os-release",
        "/etc/mime.types", "/etc/services", "/etc/protocols",
        "/etc/inputrc", "/etc/bash.bashrc", "/etc/profile",
        "/etc/gitconfig"}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(path, ec)))
      out.emplace_back(path);
  }
  return out;
}

std::vector<std::string> system_read_only_paths() {
  std::vector<std::string> out;
  for (const char* path : {"/usr", "/bin", "/lib", "/lib64", "/sbin"}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(path, ec)))
      out.emplace_back(path);
  }
  auto etc = etc_read_only_paths();
  out.insert(out.end(), etc.begin(), etc.end());
  return out;
}

std::string netbridge_path() {
  fs::path path;
  if (const char* env = std::getenv("TELCLAUDE_NETBRIDGE"); env && *env) {
    path = env;
  } else {
    std::error_code ec;
    path = fs::read_symlink("/proc/self/exe", ec).parent_path()
         / "telclaude-netbridge";
  }
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  if (ec || !fs::is_regular_file(real, ec) || ::access(real.c_str(), X_OK))
    throw user_error("sandbox.netbridge",
                     "the network bridge " + path.string()
                       + " is missing or not executable; install "
                         "telclaude-netbridge next to telclaude (it is "
                         "built and installed with it), or set "
                         "TELCLAUDE_NETBRIDGE to its path");
  return real.string();
}

policy agent_policy(const agent_sandbox& sandbox,
                    const std::vector<std::string>& source_env) {
  policy p;
  p.workdir = sandbox.workdir;
  p.workdir_writable = sandbox.workdir_writable;
  fs::path state{sandbox.state_dir};
  p.home = (state / "home").string();
  p.tmp = (state / "tmp").string();
  for (const auto& dir : {p.home, p.tmp}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!ec)
      fs::permissions(dir, fs::perms::owner_all, ec);
    if (ec)
      throw user_error("sandbox.state_dir",
                       "cannot create the agent's private directory " + dir
                         + ": " + ec.message()
                         + "; check the data dir's owner and permissions");
  }
  p.read_only_paths = system_read_only_paths();
  if (!sandbox.program.empty())
    p.read_only_paths.push_back(
      fs::path{sandbox.program}.parent_path().string());
  p.share_net = sandbox.share_net;
  p.netbridge = sandbox.netbridge;
  p.proxy_socket = sandbox.proxy_socket;
  p.forwards = sandbox.forwards;
  p.env = allowlisted_environment(
    source_env, environment_options{p.home, "/tmp", sandbox.extra_env_names});
  return p;
}

std::string resolve_command(std::string_view command,
                            std::string_view path_list) {
  auto found = agent::find_executable(command, path_list);
  std::error_code ec;
  fs::path real;
  if (found)
    real = fs::canonical(*found, ec);
  if (!found || ec)
    throw user_error("agent.not_found",
                     "agent.command '" + std::string{command}
                       + "' is not an executable file or a program on "
                         "PATH; install it or set agent.command to its "
                         "full path");
  return real.string();
}

std::vector<std::string> build_bwrap_args(
  const policy& p, const std::vector<std::string>& inner_argv) {
  std::vector<std::string> args{"bwrap",         "--unshare-all",
                                "--die-with-parent", "--cap-drop", "ALL"};
  if (p.share_net)
    args.emplace_back("--share-net");
  auto add = [&args](std::initializer_list<std::string_view> items) {
    for (auto item : items)
      args.emplace_back(item);
  };
  // The private /tmp first: anything bound after it (the agent program,
  // HOME, the workdir) stays visible even when it lives under the host's
  // /tmp, as a checkout or a test directory often does.
  add({"--proc", "/proc", "--dev", "/dev"});
  if (p.tmp.empty())
    add({"--tmpfs", "/tmp"});
  else
    add({"--bind", p.tmp, "/tmp"});
  for (const auto& path : p.read_only_paths) {
    std::error_code ec;
    if (fs::is_symlink(path, ec))
      add({"--symlink", fs::read_symlink(path, ec).string(), path});
    else
      add({"--ro-bind", path, path});
  }
  if (!p.home.empty())
    add({"--bind", p.home, p.home});
  if (!p.workdir.empty())
    add({p.workdir_writable ? "--bind" : "--ro-bind", p.workdir, p.workdir});
  // Never a symlink: bwrap would follow it on the host's side.
  for (const auto& path : p.read_only_overlays) {
    std::error_code ec;
    if (!fs::is_symlink(path, ec) && fs::exists(path, ec))
      add({"--ro-bind", path, path});
  }
  if (!p.netbridge.empty()) {
    add({"--ro-bind", p.netbridge, netbridge::inside_path});
    add({"--ro-bind", p.proxy_socket, netbridge::inside_socket});
  }
  // The root (a tmpfs holding the mount points) read-only: nothing can be
  // written but the workdir, the private home and /tmp.
  add({"--remount-ro", "/"});
  args.emplace_back("--clearenv");
  for (const auto& entry : p.env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos)
      continue;
    add({"--setenv", std::string_view{entry}.substr(0, equals),
         std::string_view{entry}.substr(equals + 1)});
  }
  add({"--chdir", p.workdir.empty() ? std::string_view{"/"} : p.workdir});
  args.emplace_back("--");
  if (p.netbridge.empty()) {
    args.insert(args.end(), inner_argv.begin(), inner_argv.end());
  } else {
    auto wrapped = netbridge::wrap(p.forwards, inner_argv);
    args.insert(args.end(), wrapped.begin(), wrapped.end());
  }
  return args;
}

agent::spawn_options sandboxed_spawn(
  const policy& p, const std::vector<std::string>& inner_argv) {
  agent::spawn_options options;
  options.argv = build_bwrap_args(p, inner_argv);
  options.env = p.env;
  options.ignored_signals = {SIGINT};
  return options;
}

} // namespace telclaude::sandbox
