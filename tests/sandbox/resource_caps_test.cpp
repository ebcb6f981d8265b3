#define BOOST_TEST_MODULE resource_caps
#include <boost/test/unit_test.hpp>

// The resource-caps part of the escape battery: a hostile agent inside the
// real sandbox (bwrap, rlimits, the run's cgroup) tries to take more than
// its caps allow. Every attempt is bounded (a watchdog kills it) and
// cleaned up; an attempt that gets past its cap, or leaves a process
// behind, is an escape.

#include "agent/child_process.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/limits.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace telclaude;
using namespace telclaude::sandbox;
namespace fs = std::filesystem;

namespace {

struct outcome {
  std::vector<std::string> lines;
  agent::exit_status status;
  run_evidence evidence;
  bool watchdog_fired = false;
  /// Nothing of the run is left: its process group and its cgroup.
  bool nothing_left = false;
  std::chrono::milliseconds took{0};

  /// The number after the last line starting with `word `; -1 when none.
  int last(const std::string& word) const {
    int value = -1;
    for (const auto& l : lines)
      if (l.rfind(word + " ", 0) == 0)
        value = std::atoi(l.c_str() + word.size() + 1);
    return value;
  }
  bool said(const std::string& word) const {
    for (const auto& l : lines)
      if (l.rfind(word, 0) == 0)
        return true;
    return false;
  }
};

struct battery {
  fs::path dir;
  policy p;
  cgroup_root cgroups = cgroup_root::detect("telclaude-test");
  int attempts = 0;
  int escapes = 0;
  int runs = 0;

  battery() {
    std::string templ = (fs::temp_directory_path() / "telclaude-caps-XXXXXX")
                          .string();
    dir = ::mkdtemp(templ.data());
    fs::create_directories(dir / "work");
    agent_sandbox box;
    box.workdir = (dir / "work").string();
    box.state_dir = (dir / "state").string();
    box.program = HOSTILE_AGENT;
    p = agent_policy(box, {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"});
    BOOST_TEST_MESSAGE("run cgroups: " << cgroups.describe());
  }
  ~battery() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Runs the hostile agent with `args` under `caps`, killed after
  /// `limit` at the latest.
  outcome run(std::vector<std::string> args, const process_caps& caps,
              std::chrono::seconds limit) {
    outcome out;
    args.insert(args.begin(), HOSTILE_AGENT);
    auto options = sandboxed_spawn(p, args);
    options.limits = rlimits_for(caps);
    std::unique_ptr<run_cgroup> cg;
    if (cgroups.available()) {
      cg = cgroups.create("run-" + std::to_string(::getpid()) + "-"
                            + std::to_string(++runs),
                          caps);
      options.cgroup_procs = cg->procs_files();
    }
    auto dirs = cg ? cg->dirs() : std::vector<std::string>{};
    auto start = std::chrono::steady_clock::now();
    agent::child_process child{std::move(options)};
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog{[&] {
      std::unique_lock lock{m};
      if (!cv.wait_for(lock, limit, [&] { return done; })) {
        out.watchdog_fired = true;
        child.signal(SIGKILL);
        if (cg)
          cg->kill_all();
      }
    }};
    while (auto line = child.read_line())
      out.lines.push_back(*line);
    out.status = child.wait();
    {
      std::lock_guard lock{m};
      done = true;
    }
    cv.notify_all();
    watchdog.join();
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
    out.evidence.exit_code = out.status.code;
    out.evidence.exit_signal = out.status.signal;
    if (cg) {
      cg->read_counters(out.evidence);
      // What the relay does when a run ends: kill what is left in the
      // cgroup (the sandbox's pid namespace may still be tearing down)
      // and remove it.
      cg.reset();
    }
    // The whole process group must be gone by then; without a cgroup,
    // give the namespace's teardown a bounded moment.
    auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds{2};
    bool group_gone = false;
    while (!(group_gone = ::kill(-child.pid(), 0) != 0 && errno == ESRCH)
           && std::chrono::steady_clock::now() < gone_by)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    bool dirs_gone = true;
    for (const auto& d : dirs)
      dirs_gone = dirs_gone && !fs::exists(d);
    out.nothing_left = group_gone && dirs_gone;
    if (!out.nothing_left)
      BOOST_TEST_MESSAGE("left: group gone " << group_gone
                         << ", cgroup removed " << dirs_gone);
    return out;
  }

  /// Counts an attempt; `held` says whether the cap held.
  void judge(const std::string& what, bool held, const outcome& o) {
    ++attempts;
    bool clean = o.nothing_left;
    if (!held || !clean) {
      ++escapes;
      std::string last = o.lines.empty() ? "" : o.lines.back();
      BOOST_ERROR("ESCAPE: " << what << (held ? "" : " (cap did not hold)")
                             << (clean ? "" : " (a process outlived it)")
                             << "; exit " << o.status.describe()
                             << ", last line '" << last << "'");
    } else {
      BOOST_TEST_MESSAGE("held: " << what << " (" << o.status.describe()
                                  << ", " << o.took.count() << " ms)");
    }
  }
};

/// The host can still start a process (the machine stays fine).
bool host_can_fork() {
  agent::spawn_options o;
  o.argv = {"/bin/true"};
  o.env = {"PATH=/usr/bin:/bin"};
  agent::child_process child{o};
  return child.wait().success();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_hostile_agent_cannot_exceed_its_caps) {
  battery b;
  bool root = ::geteuid() == 0;
  if (b.cgroups.counts_processes() || !root) {
    // Forks past maxProcesses: the pids cgroup (or, not as root,
    // RLIMIT_NPROC) refuses them.
    process_caps caps;
    caps.processes = 32;
    auto o = b.run({"forks", "500"}, caps, std::chrono::seconds{30});
    b.judge("fork 500 processes with maxProcesses 32",
            o.said("refused") && o.last("forked") < 32
              && !o.watchdog_fired,
            o);

    // The classic fork bomb, three seconds long.
    auto bomb = b.run({"bomb", "3"}, caps, std::chrono::seconds{30});
    b.judge("fork bomb with maxProcesses 32",
            !bomb.watchdog_fired && host_can_fork()
              && (bomb.evidence.fork_refusals > 0 || !b.cgroups.available()),
            bomb);
  } else {
    BOOST_TEST_MESSAGE("no pids cgroup and running as root: RLIMIT_NPROC "
                       "does not bind root, the fork attempts are skipped");
  }

  if (b.cgroups.caps_memory()) {
    process_caps caps;
    caps.sandbox_memory_mb = 128;
    auto o = b.run({"alloc", "1024"}, caps, std::chrono::seconds{60});
    b.judge("touch 1024 MiB with a 128 MiB memory cgroup",
            o.last("allocated") < 1024 && o.last("allocated") <= 160
              && !o.watchdog_fired
              && classify(o.evidence) == cap_hit::memory,
            o);
  } else {
    BOOST_TEST_MESSAGE("no memory cgroup: the sandbox memory attempt is "
                       "skipped (the address-space one still runs)");
  }

  {
    process_caps caps;
    caps.address_space_mb = 256;
    auto o = b.run({"alloc", "1024"}, caps, std::chrono::seconds{60});
    b.judge("allocate 1024 MiB with a 256 MiB address space",
            o.said("refused") && o.last("allocated") < 256
              && !o.watchdog_fired,
            o);
  }

  {
    process_caps caps;
    caps.open_files = 64;
    auto o = b.run({"files", "1000"}, caps, std::chrono::seconds{30});
    b.judge("open 1000 files with maxOpenFiles 64",
            o.last("opened") >= 0 && o.last("opened") < 64
              && !o.watchdog_fired,
            o);
  }

  {
    process_caps caps;
    caps.cpu_seconds = 1;
    auto o = b.run({"spin"}, caps, std::chrono::seconds{30});
    b.judge("spin with maxCpuSeconds 1",
            o.said("spinning") && !o.watchdog_fired
              && classify(o.evidence) == cap_hit::cpu,
            o);
  }

  BOOST_TEST_MESSAGE(b.attempts << " attempts, " << b.escapes << " escapes");
  std::printf("%d attempts, %d escapes\n", b.attempts, b.escapes);
  BOOST_TEST(b.escapes == 0);
  BOOST_TEST(b.attempts >= 4);
}

BOOST_AUTO_TEST_CASE(a_run_cgroup_is_gone_after_its_run_even_with_leftovers) {
  battery b;
  if (!b.cgroups.available()) {
    BOOST_TEST_MESSAGE("no writable cgroup here; nothing to check");
    return;
  }
  auto cg = b.cgroups.create("leftover-" + std::to_string(::getpid()),
                             process_caps{});
  auto dirs = cg->dirs();
  // A process that left its group (setsid) but not its cgroup.
  agent::spawn_options o;
  o.argv = {"/bin/sh", "-c", "setsid sleep 300 & echo started"};
  o.env = {"PATH=/usr/bin:/bin"};
  o.cgroup_procs = cg->procs_files();
  agent::child_process child{o};
  BOOST_TEST(child.read_line().value_or("") == "started");
  child.wait();
  BOOST_TEST(!cg->pids().empty());
  cg.reset();
  for (const auto& d : dirs)
    BOOST_TEST(!fs::exists(d), d);
}

BOOST_AUTO_TEST_CASE(leftovers_of_a_dead_relay_are_swept_a_live_ones_kept) {
  battery b;
  if (!b.cgroups.available()) {
    BOOST_TEST_MESSAGE("no writable cgroup here; nothing to check");
    return;
  }
  // A pid that is certainly gone: a child that ended and was reaped.
  pid_t dead = 0;
  {
    agent::spawn_options o;
    o.argv = {"/bin/true"};
    o.env = {"PATH=/usr/bin:/bin"};
    agent::child_process gone{o};
    gone.wait();
    dead = gone.pid();
  }
  auto start_sleeper = [](run_cgroup& cg) {
    agent::spawn_options o;
    o.argv = {"/bin/sh", "-c", "setsid sleep 300 & echo started"};
    o.env = {"PATH=/usr/bin:/bin"};
    o.cgroup_procs = cg.procs_files();
    agent::child_process child{o};
    BOOST_TEST(child.read_line().value_or("") == "started");
    child.wait();
  };
  // The dead relay's run, and a run of a relay that still runs (pid 1
  // stands in for it).
  auto left = b.cgroups.create("run-" + std::to_string(dead) + "-1",
                               process_caps{});
  auto live = b.cgroups.create("run-1-1", process_caps{});
  start_sleeper(*left);
  start_sleeper(*live);
  BOOST_TEST(b.cgroups.sweep_leftovers() >= 1u);
  BOOST_TEST(left->pids().empty());
  BOOST_TEST(!live->pids().empty());
}
