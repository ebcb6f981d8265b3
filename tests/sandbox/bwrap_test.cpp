#define BOOST_TEST_MODULE bwrap
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "tests/agent/test_support.hpp"

#include <csignal>
#include <filesystem>

using namespace telclaude::sandbox;
using argv = std::vector<std::string>;

namespace {

/// The position of `item` in `args`, or -1.
long index_of(const argv& args, const std::string& item) {
  auto it = std::find(args.begin(), args.end(), item);
  return it == args.end() ? -1 : it - args.begin();
}

/// Whether `args` holds the consecutive run `run`.
bool has_run(const argv& args, const argv& run) {
  return std::search(args.begin(), args.end(), run.begin(), run.end())
         != args.end();
}

policy sample() {
  policy p;
  p.workdir = "/srv/work";
  p.home = "/data/sandbox/home";
  p.tmp = "/data/sandbox/tmp";
  p.read_only_paths = {"/usr", "/etc"};
  p.env = {"PATH=/usr/bin", "HOME=/data/sandbox/home", "EMPTY="};
  return p;
}

} // namespace

BOOST_AUTO_TEST_CASE(full_policy) {
  auto args = build_bwrap_args(sample(), {"claude", "-p", "--", "hi"});
  BOOST_TEST(args
               == (argv{"bwrap", "--unshare-all", "--die-with-parent",
                        "--cap-drop", "ALL", "--proc", "/proc", "--dev",
                        "/dev", "--bind", "/data/sandbox/tmp", "/tmp",
                        "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc",
                        "/etc", "--bind", "/data/sandbox/home",
                        "/data/sandbox/home", "--bind", "/srv/work",
                        "/srv/work", "--remount-ro", "/", "--clearenv",
                        "--setenv", "PATH",
                        "/usr/bin", "--setenv", "HOME", "/data/sandbox/home",
                        "--setenv", "EMPTY", "", "--chdir", "/srv/work", "--",
                        "claude", "-p", "--", "hi"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(network_and_read_only_workdir) {
  auto p = sample();
  p.share_net = true;
  p.workdir_writable = false;
  auto args = build_bwrap_args(p, {"true"});
  BOOST_TEST(index_of(args, "--share-net") > index_of(args, "--unshare-all"));
  BOOST_TEST(has_run(args, {"--ro-bind", "/srv/work", "/srv/work"}));
  BOOST_TEST(!has_run(args, {"--bind", "/srv/work", "/srv/work"}));
}

BOOST_AUTO_TEST_CASE(mount_order_keeps_nested_paths_visible) {
  // A workdir under /tmp is bound after the private /tmp, not hidden by it.
  auto p = sample();
  p.workdir = "/tmp/project";
  auto args = build_bwrap_args(p, {"true"});
  BOOST_TEST(index_of(args, "/tmp") < index_of(args, "/tmp/project"));
  BOOST_TEST(index_of(args, "--proc") < index_of(args, "/tmp"));
}

BOOST_AUTO_TEST_CASE(an_agent_program_under_tmp_stays_visible) {
  // A checkout under /tmp: the program's directory is bound after the
  // private /tmp, not hidden by it.
  auto p = sample();
  p.read_only_paths.push_back("/tmp/checkout/build/bin");
  auto args = build_bwrap_args(p, {"true"});
  BOOST_TEST(index_of(args, "/tmp") < index_of(args, "/tmp/checkout/build/bin"));
}

BOOST_AUTO_TEST_CASE(empty_parts_are_left_out) {
  policy p;
  auto args = build_bwrap_args(p, {"true"});
  BOOST_TEST(has_run(args, {"--tmpfs", "/tmp"}));
  BOOST_TEST(has_run(args, {"--chdir", "/", "--", "true"}));
  BOOST_TEST(index_of(args, "--bind") == -1);
  BOOST_TEST(index_of(args, "--share-net") == -1);
}

BOOST_AUTO_TEST_CASE(symlinked_system_dirs_stay_symlinks) {
  telclaude::testing::temp_dir dir;
  std::filesystem::create_directory_symlink("usr/bin", dir.path() / "bin");
  policy p;
  p.read_only_paths = {(dir.path() / "bin").string()};
  auto args = build_bwrap_args(p, {"true"});
  BOOST_TEST(has_run(args, {"--symlink", "usr/bin",
                            (dir.path() / "bin").string()}));
}

BOOST_AUTO_TEST_CASE(spawn_uses_the_same_allowlisted_environment) {
  auto p = sample();
  auto options = sandboxed_spawn(p, {"true"});
  BOOST_TEST(options.env == p.env, boost::test_tools::per_element());
  BOOST_TEST(options.argv == build_bwrap_args(p, {"true"}),
             boost::test_tools::per_element());
  BOOST_TEST(options.ignored_signals == std::vector<int>{SIGINT},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(agent_policy_builds_private_dirs) {
  telclaude::testing::temp_dir dir;
  agent_sandbox sandbox;
  sandbox.workdir = "/srv/work";
  sandbox.state_dir = (dir.path() / "sandbox").string();
  sandbox.program = "/opt/claude-code/bin/claude.exe";
  auto p = agent_policy(sandbox, {"PATH=/usr/bin", "TELEGRAM_BOT_TOKEN=x"});
  BOOST_TEST(p.home == (dir.path() / "sandbox/home").string());
  BOOST_TEST(p.tmp == (dir.path() / "sandbox/tmp").string());
  BOOST_TEST(std::filesystem::is_directory(p.home));
  BOOST_TEST((std::filesystem::status(p.tmp).permissions()
              == std::filesystem::perms::owner_all));
  BOOST_TEST(p.read_only_paths.back() == "/opt/claude-code/bin");
  // No network of its own: the egress proxy is the only way out.
  BOOST_TEST(!p.share_net);
  BOOST_TEST(p.env
               == (argv{"PATH=/usr/bin", "HOME=" + p.home, "TMPDIR=/tmp"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resolve_command_follows_symlinks) {
  telclaude::testing::temp_dir dir;
  auto real = dir.path() / "pkg" / "claude.exe";
  std::filesystem::create_directories(real.parent_path());
  std::filesystem::copy_file("/bin/true", real);
  std::filesystem::create_directories(dir.path() / "bin");
  std::filesystem::create_symlink(real, dir.path() / "bin" / "claude");
  BOOST_TEST(resolve_command("claude", (dir.path() / "bin").string())
             == real.string());
  try {
    resolve_command("telclaude-no-such-agent", "/usr/bin");
    BOOST_FAIL("resolved a missing command");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "agent.not_found");
  }
}

BOOST_AUTO_TEST_CASE(bridge_and_overlays_come_after_the_workdir) {
  auto p = sample();
  p.netbridge = "/opt/tc/bin/telclaude-netbridge";
  p.proxy_socket = "/data/sandbox/egress.sock";
  p.forwards = {"127.0.0.1:8080"};
  // Overlays that do not exist (or are symlinks) are never mounted.
  p.read_only_overlays = {"/srv/proj/.env-that-does-not-exist"};
  auto args = build_bwrap_args(p, {"claude", "-p"});
  BOOST_TEST(has_run(args, {"--ro-bind", "/opt/tc/bin/telclaude-netbridge",
                            "/run/telclaude/netbridge"}));
  BOOST_TEST(has_run(args, {"--ro-bind", "/data/sandbox/egress.sock",
                            "/run/telclaude/egress.sock"}));
  BOOST_TEST(index_of(args, "/srv/work") < index_of(args, "/opt/tc/bin/"
                                                          "telclaude-netbridge"));
  BOOST_TEST(index_of(args, "/srv/proj/.env-that-does-not-exist") == -1);
  BOOST_TEST(index_of(args, "--share-net") == -1);
  auto dashes = index_of(args, "--");
  BOOST_TEST(
    (argv{args.begin() + dashes + 1, args.end()})
      == (argv{"/run/telclaude/netbridge", "--socket",
               "/run/telclaude/egress.sock", "--forward", "127.0.0.1:8080",
               "--", "claude", "-p"}),
    boost::test_tools::per_element());
}
