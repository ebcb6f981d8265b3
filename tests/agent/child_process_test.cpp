#define BOOST_TEST_MODULE child_process
#include <boost/test/unit_test.hpp>

#include "agent/child_process.hpp"
#include "core/error.hpp"
#include "tests/agent/test_support.hpp"

#include <csignal>
#include <sys/wait.h>
#include <thread>

using namespace telclaude::agent;
using namespace std::chrono_literals;

namespace {

spawn_options shell(std::string script) {
  spawn_options options;
  options.argv = {"sh", "-c", std::move(script)};
  options.env = {"PATH=/usr/bin:/bin", "ONLY=this"};
  return options;
}

/// Running (a zombie left to init does not count).
bool alive(pid_t pid) {
  auto stat = telclaude::testing::slurp("/proc/" + std::to_string(pid)
                                        + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size()
         && stat[close + 2] != 'Z';
}

} // namespace

BOOST_AUTO_TEST_CASE(reads_lines_then_eof) {
  child_process child{shell("printf 'one\\ntwo\\n\\nlast-without-newline'")};
  BOOST_TEST(*child.read_line() == "one");
  BOOST_TEST(*child.read_line() == "two");
  BOOST_TEST(*child.read_line() == "");
  BOOST_TEST(*child.read_line() == "last-without-newline");
  BOOST_TEST(!child.read_line().has_value());
  BOOST_TEST(child.wait().success());
}

BOOST_AUTO_TEST_CASE(explicit_environment_cwd_and_stdin) {
  telclaude::testing::temp_dir dir;
  auto options = shell("env; pwd; cat; echo stdin-done");
  options.cwd = dir.path().string();
  child_process child{options};
  std::vector<std::string> lines;
  while (auto line = child.read_line())
    lines.push_back(*line);
  BOOST_TEST(child.wait().success());
  // Only what was given (sh adds PWD, SHLVL and _ of its own).
  BOOST_TEST(std::count(lines.begin(), lines.end(), "ONLY=this") == 1);
  for (const auto& line : lines)
    BOOST_TEST(!line.starts_with("HOME="), line);
  BOOST_TEST(std::count(lines.begin(), lines.end(), dir.path().string()) == 1);
  BOOST_TEST(lines.back() == "stdin-done");  // stdin is /dev/null: no wait
}

BOOST_AUTO_TEST_CASE(exit_codes_and_stderr_tail) {
  auto options = shell("i=0; while [ $i -lt 2000 ]; do echo \"err $i\" >&2; "
                       "i=$((i+1)); done; exit 3");
  options.stderr_tail_bytes = 64;
  child_process child{options};
  BOOST_TEST(!child.read_line().has_value());
  auto status = child.wait();
  BOOST_TEST(status.code == 3);
  BOOST_TEST(!status.success());
  BOOST_TEST(status.describe() == "exit code 3");
  std::string tail;
  for (int i = 0; i < 100 && tail.find("err 1999") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
    tail = child.stderr_tail();
  }
  BOOST_TEST(tail.size() <= 64u);
  BOOST_TEST(tail.ends_with("err 1999\n"));
}

BOOST_AUTO_TEST_CASE(stderr_is_complete_once_the_child_has_exited) {
  // The last words of a child that exits at once must not be lost to the
  // reader thread still draining the pipe.
  for (int i = 0; i < 50; ++i) {
    child_process p{shell("echo 'fatal: the last words' >&2; exit 2")};
    while (p.read_line()) {
    }
    BOOST_REQUIRE_EQUAL(p.wait().code, 2);
    BOOST_REQUIRE_EQUAL(p.stderr_tail(), "fatal: the last words\n");
  }
}

BOOST_AUTO_TEST_CASE(long_lines_are_cut) {
  auto options = shell("head -c 100000 /dev/zero | tr '\\0' x; echo; echo ok");
  options.max_line_bytes = 1000;
  child_process child{options};
  BOOST_TEST(child.read_line()->size() == 1000u);
  BOOST_TEST(*child.read_line() == "ok");
  BOOST_TEST(child.truncated_lines() == 1u);
  BOOST_TEST(child.wait().success());
}

BOOST_AUTO_TEST_CASE(missing_program_is_a_user_error) {
  spawn_options options;
  options.argv = {"telclaude-no-such-program"};
  options.env = {"PATH=/usr/bin:/bin"};
  try {
    child_process child{options};
    BOOST_FAIL("started a missing program");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "agent.spawn_failed");
  }
  auto bad_cwd = shell("true");
  bad_cwd.cwd = "/nonexistent/dir";
  BOOST_CHECK_THROW(child_process{bad_cwd}, telclaude::user_error);
}

BOOST_AUTO_TEST_CASE(signals_reach_the_whole_group_while_reading) {
  // A grandchild in the same group must die too.
  child_process child{shell("sleep 30 & echo started; wait")};
  BOOST_TEST(*child.read_line() == "started");
  std::thread killer{[&] {
    std::this_thread::sleep_for(50ms);
    child.signal(SIGTERM);
  }};
  BOOST_TEST(!child.read_line().has_value());  // unblocked by the signal
  killer.join();
  auto status = child.wait();
  BOOST_TEST(status.signal == SIGTERM);
  BOOST_TEST(!child.signal(SIGTERM));  // reaped: never signals a stranger
}

BOOST_AUTO_TEST_CASE(timeout_then_interrupt_then_kill) {
  // Ignores SIGINT like a stuck agent: the caller escalates to SIGKILL.
  child_process child{shell("trap '' INT; echo ready; sleep 30")};
  BOOST_TEST(*child.read_line() == "ready");
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!child.wait_for(100ms).has_value());
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 100ms));
  BOOST_TEST(child.signal(SIGINT));
  BOOST_TEST(!child.wait_for(200ms).has_value());
  BOOST_TEST(child.signal(SIGKILL));
  auto status = child.wait_for(5s);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(status->signal == SIGKILL);
  BOOST_TEST(child.try_wait()->signal == SIGKILL);
}

BOOST_AUTO_TEST_CASE(ignored_signals_survive_exec) {
  auto options = shell("echo ready; sleep 1; echo survived");
  options.ignored_signals = {SIGINT};
  child_process child{options};
  BOOST_TEST(*child.read_line() == "ready");
  child.signal(SIGINT);
  BOOST_TEST(*child.read_line() == "survived");
  BOOST_TEST(child.wait().success());
}

BOOST_AUTO_TEST_CASE(destructor_kills_and_reaps) {
  pid_t pid = 0;
  pid_t grandchild = 0;
  {
    child_process child{shell("sleep 30 & echo $!; wait")};
    pid = child.pid();
    grandchild = std::stoi(*child.read_line());
    BOOST_TEST(alive(pid));
  }
  // Reaped: not even a zombie is left, and the group is gone.
  BOOST_TEST(::waitpid(pid, nullptr, WNOHANG) == -1);
  BOOST_TEST(errno == ECHILD);
  for (int i = 0; i < 100 && alive(grandchild); ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_TEST(!alive(grandchild));
}
