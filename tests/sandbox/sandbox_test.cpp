#define BOOST_TEST_MODULE sandbox
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/probe.hpp"
#include "tests/agent/test_support.hpp"

#include <fstream>

using namespace telclaude::sandbox;
using telclaude::agent::child_process;
using telclaude::testing::temp_dir;

namespace {

struct run_result {
  std::vector<std::string> lines;
  telclaude::agent::exit_status status;
  std::string stderr_tail;
};

/// Runs a shell script under `p` and collects what it printed.
run_result run(const policy& p, const std::string& script) {
  child_process child{sandboxed_spawn(p, {"sh", "-c", script})};
  run_result out;
  while (auto line = child.read_line())
    out.lines.push_back(*line);
  out.status = child.wait();
  out.stderr_tail = child.stderr_tail();
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

/// An agent policy over a fresh workdir and state dir.
struct sandbox_fixture {
  temp_dir dir;
  std::filesystem::path workdir = dir.path() / "work";
  policy p;

  sandbox_fixture() {
    std::filesystem::create_directories(workdir);
    agent_sandbox sandbox;
    sandbox.workdir = workdir.string();
    sandbox.state_dir = (dir.path() / "state").string();
    sandbox.share_net = false;
    p = agent_policy(sandbox, {"PATH=/usr/bin:/bin", "LANG=C.UTF-8",
                               "TELEGRAM_BOT_TOKEN=123:leak",
                               "TOTP_ENCRYPTION_KEY=leak", "HOME=/root"});
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(probe_finds_a_working_bwrap) {
  auto result = probe({"PATH=/usr/local/bin:/usr/bin:/bin"});
  BOOST_TEST(result.ok, result.problem);
  BOOST_TEST(!result.bwrap_path.empty());
  BOOST_CHECK_NO_THROW(require_sandbox(result));
}

BOOST_AUTO_TEST_CASE(probe_without_bwrap_says_how_to_install) {
  temp_dir empty;
  auto result = probe({"PATH=" + empty.path().string()});
  BOOST_TEST(!result.ok);
  BOOST_TEST(result.problem.find("bwrap") != std::string::npos);
  BOOST_TEST(result.remedy.find("apt-get install bubblewrap")
             != std::string::npos);
  try {
    require_sandbox(result);
    BOOST_FAIL("no error");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "sandbox.unavailable");
    BOOST_TEST(std::string{e.what()}.find("apt-get install bubblewrap")
               != std::string::npos);
  }
}

BOOST_FIXTURE_TEST_CASE(only_the_allowlisted_environment_is_visible,
                        sandbox_fixture) {
  // /proc/1 is bwrap's own process inside the pid namespace: its environment
  // must be the allowlist too.
  auto out = run(p, "env; echo ---; tr '\\0' '\\n' < /proc/1/environ");
  BOOST_TEST(out.status.success(), out.stderr_tail);
  BOOST_TEST(has(out.lines, "HOME=" + p.home));
  BOOST_TEST(has(out.lines, "TMPDIR=/tmp"));
  BOOST_TEST(has(out.lines, "LANG=C.UTF-8"));
  for (const auto& line : out.lines) {
    BOOST_TEST(line.find("leak") == std::string::npos, line);
    BOOST_TEST(line != "HOME=/root");
  }
}

BOOST_FIXTURE_TEST_CASE(host_tmp_and_home_are_not_visible, sandbox_fixture) {
  // The fixture's own directory lies in the host's /tmp.
  std::ofstream{dir.path() / "host-secret"} << "secret\n";
  std::ofstream{p.tmp + "/private-file"} << "mine\n";
  std::string host_home = std::getenv("HOME") ? std::getenv("HOME") : "/root";
  auto out = run(p, "test -e " + (dir.path() / "host-secret").string()
                      + " && echo host-tmp-visible; ls /tmp; test -e "
                      + host_home + "/.bashrc && echo host-home-visible; "
                      "echo done");
  BOOST_TEST(out.status.success(), out.stderr_tail);
  BOOST_TEST(!has(out.lines, "host-tmp-visible"));
  BOOST_TEST(!has(out.lines, "host-home-visible"));
  BOOST_TEST(has(out.lines, "private-file"));
  BOOST_TEST(has(out.lines, "done"));
}

BOOST_FIXTURE_TEST_CASE(workdir_writable_or_read_only, sandbox_fixture) {
  auto out = run(p, "echo hi > out.txt && echo wrote; pwd");
  BOOST_TEST(has(out.lines, "wrote"));
  BOOST_TEST(has(out.lines, workdir.string()));
  BOOST_TEST(telclaude::testing::slurp(workdir / "out.txt") == "hi\n");

  p.workdir_writable = false;
  out = run(p, "echo again > out2.txt && echo wrote; echo home > "
               "\"$HOME/h\" && echo home-ok; echo t > /tmp/t && echo tmp-ok; "
               "echo x > /usr/x || echo usr-refused");
  BOOST_TEST(!has(out.lines, "wrote"));
  BOOST_TEST(!std::filesystem::exists(workdir / "out2.txt"));
  BOOST_TEST(has(out.lines, "home-ok"));
  BOOST_TEST(has(out.lines, "tmp-ok"));
  BOOST_TEST(has(out.lines, "usr-refused"));
}

BOOST_FIXTURE_TEST_CASE(no_network_unless_shared, sandbox_fixture) {
  // A fresh network namespace has only a loopback device.
  auto out = run(p, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  BOOST_TEST(out.lines == std::vector<std::string>{"lo"},
             boost::test_tools::per_element());
  p.share_net = true;
  out = run(p, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  BOOST_TEST(out.lines.size() > 1u);
}
