#include "sandbox/cgroup.hpp"

#include "core/error.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace telclaude::sandbox {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in{file};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool write_text(const fs::path& file, const std::string& text) {
  std::ofstream out{file};
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

/// The number after `key ` in a "key value" per line file; 0 when absent.
std::uint64_t counter(const fs::path& file, std::string_view key) {
  std::istringstream in{read_text(file)};
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value)
    if (name == key)
      return value;
  return 0;
}

bool has_counter(const fs::path& file, std::string_view key) {
  std::istringstream in{read_text(file)};
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value)
    if (name == key)
      return true;
  return false;
}

std::vector<pid_t> read_pids(const fs::path& procs) {
  std::vector<pid_t> out;
  std::istringstream in{read_text(procs)};
  pid_t pid;
  while (in >> pid)
    out.push_back(pid);
  return out;
}

/// `dir/name` made (or kept); empty when the hierarchy refuses.
std::string make_dir(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  auto path = dir / name;
  fs::create_directory(path, ec);
  if (ec || !fs::is_directory(path) || ::access(path.c_str(), W_OK) != 0)
    return {};
  return path.string();
}

struct mount {
  std::string root;    // the hierarchy's path mounted there
  std::string point;   // where it is mounted
  std::string type;    // "cgroup" or "cgroup2"
  std::string options; // super options (v1: the controllers)
};

std::vector<mount> cgroup_mounts() {
  std::vector<mount> out;
  std::istringstream in{read_text("/proc/self/mountinfo")};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string id, parent, dev, root, point, opts, field;
    fields >> id >> parent >> dev >> root >> point >> opts;
    while (fields >> field && field != "-") {
    }
    mount m;
    std::string source;
    fields >> m.type >> source >> m.options;
    if (m.type != "cgroup" && m.type != "cgroup2")
      continue;
    if (opts.rfind("rw", 0) != 0)
      continue;
    m.root = root;
    m.point = point;
    out.push_back(std::move(m));
  }
  return out;
}

/// The relay's own cgroup path in the hierarchy with `controller` ("" for
/// v2), from /proc/self/cgroup.
std::string own_path(const std::string& controller) {
  std::istringstream in{read_text("/proc/self/cgroup")};
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos)
      continue;
    auto list = line.substr(first + 1, second - first - 1);
    auto path = line.substr(second + 1);
    if (controller.empty() ? list.empty()
                           : ("," + list + ",").find("," + controller + ",")
                               != std::string::npos)
      return path;
  }
  return "/";
}

bool has_option(const std::string& options, const std::string& word) {
  return ("," + options + ",").find("," + word + ",") != std::string::npos;
}

/// A `telclaude` parent in one hierarchy: under the relay's own cgroup,
/// else under the hierarchy's root.
std::string parent_in(const mount& m, const std::string& controller,
                      const std::string& name, bool v2) {
  auto own = own_path(controller);
  std::vector<fs::path> bases;
  if (own.rfind(m.root, 0) == 0)
    bases.push_back(fs::path{m.point}
                    / fs::path{own.substr(m.root.size())}.relative_path());
  bases.emplace_back(m.point);
  for (const auto& base : bases) {
    if (v2) {
      // The controllers must be delegated to the children of `base`
      // (refused when `base` holds processes and is not the root).
      auto controllers = read_text(base / "cgroup.controllers");
      if (controllers.find("pids") == std::string::npos
          || controllers.find("memory") == std::string::npos)
        continue;
      write_text(base / "cgroup.subtree_control", "+pids +memory");
    }
    auto dir = make_dir(base, name);
    if (dir.empty())
      continue;
    if (v2) {
      write_text(fs::path{dir} / "cgroup.subtree_control", "+pids +memory");
      auto enabled = read_text(fs::path{dir} / "cgroup.subtree_control");
      if (enabled.find("pids") == std::string::npos
          || enabled.find("memory") == std::string::npos)
        continue;
    }
    return dir;
  }
  return {};
}

/// Whether the relay that made run cgroup `name` ("run-<pid>-<turn>")
/// still runs: other relays on this host share the parent directory, and
/// their runs are theirs to end.
bool owner_alive(const fs::path& name) {
  auto text = name.string();
  if (text.rfind("run-", 0) != 0)
    return false;
  auto pid = std::atol(text.c_str() + 4);
  return pid > 0 && pid != ::getpid()
         && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

} // namespace

run_cgroup::run_cgroup(std::vector<std::string> dirs, bool v2)
  : dirs_(std::move(dirs)), v2_(v2) {
}

run_cgroup::~run_cgroup() {
  kill_all();
  // A cgroup whose last processes are still being reaped is busy for a
  // moment.
  for (const auto& dir : dirs_)
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
}

std::vector<std::string> run_cgroup::procs_files() const {
  std::vector<std::string> out;
  for (const auto& dir : dirs_)
    out.push_back((fs::path{dir} / "cgroup.procs").string());
  return out;
}

std::vector<pid_t> run_cgroup::pids() const {
  std::vector<pid_t> out;
  for (const auto& dir : dirs_)
    for (auto pid : read_pids(fs::path{dir} / "cgroup.procs"))
      if (std::find(out.begin(), out.end(), pid) == out.end())
        out.push_back(pid);
  return out;
}

void run_cgroup::read_counters(run_evidence& e) const {
  for (const auto& dir : dirs_) {
    fs::path d{dir};
    if (fs::exists(d / "pids.events"))
      e.fork_refusals += counter(d / "pids.events", "max");
    if (v2_ && fs::exists(d / "memory.events")) {
      e.oom_kills += counter(d / "memory.events", "oom_kill");
    } else if (fs::exists(d / "memory.oom_control")) {
      // Kernels before 4.13 have no oom_kill count: a limit hit and a
      // killed agent mean the same there.
      if (has_counter(d / "memory.oom_control", "oom_kill"))
        e.oom_kills += counter(d / "memory.oom_control", "oom_kill");
      else if (std::stoull("0" + read_text(d / "memory.failcnt")) > 0
               && (e.exit_signal == SIGKILL || e.exit_code == 128 + SIGKILL))
        e.oom_kills += 1;
    }
  }
}

std::size_t run_cgroup::kill_all() {
  std::size_t signalled = 0;
  if (v2_)
    for (const auto& dir : dirs_)
      write_text(fs::path{dir} / "cgroup.kill", "1");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{2};
  while (true) {
    auto left = pids();
    if (left.empty() || std::chrono::steady_clock::now() > deadline)
      break;
    for (auto pid : left)
      if (::kill(pid, SIGKILL) == 0)
        ++signalled;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return signalled;
}

cgroup_root::cgroup_root(std::string pids_dir, std::string memory_dir,
                         bool v2)
  : pids_dir_(std::move(pids_dir)), memory_dir_(std::move(memory_dir)),
    v2_(v2) {
}

cgroup_root cgroup_root::detect(const std::string& name) {
  cgroup_root out;
  auto mounts = cgroup_mounts();
  for (const auto& m : mounts)
    if (m.type == "cgroup2") {
      auto dir = parent_in(m, "", name, true);
      if (!dir.empty())
        return cgroup_root{dir, dir, true};
    }
  for (const auto& m : mounts) {
    if (m.type != "cgroup")
      continue;
    if (out.pids_dir_.empty() && has_option(m.options, "pids"))
      out.pids_dir_ = parent_in(m, "pids", name, false);
    if (out.memory_dir_.empty() && has_option(m.options, "memory"))
      out.memory_dir_ = parent_in(m, "memory", name, false);
  }
  if (!out.available())
    out.why_ = mounts.empty()
                 ? "no cgroup hierarchy is mounted read-write"
                 : "no writable cgroup hierarchy with the pids or memory "
                   "controller (run the relay as root or delegate a "
                   "cgroup to it)";
  return out;
}

std::string cgroup_root::describe() const {
  if (!available())
    return "none (" + why_ + "): only rlimits cap the agent";
  if (v2_)
    return "cgroup v2 " + pids_dir_;
  return "cgroup v1: pids " + (pids_dir_.empty() ? "none" : pids_dir_)
         + ", memory " + (memory_dir_.empty() ? "none" : memory_dir_);
}

std::unique_ptr<run_cgroup>
cgroup_root::create(const std::string& name, const process_caps& caps) const {
  std::vector<std::string> dirs;
  auto fail = [&](const std::string& what) {
    // What was made so far goes again (the run_cgroup removes it).
    run_cgroup partial{dirs, v2_};
    throw user_error("sandbox.cgroup",
                     "cannot set up the agent's cgroup " + name + ": " + what
                       + "; check the relay's cgroup permissions");
  };
  auto make = [&](const std::string& parent) {
    auto dir = make_dir(parent, name);
    if (dir.empty())
      fail("cannot create it under " + parent + ": "
           + std::strerror(errno));
    dirs.push_back(dir);
    return fs::path{dir};
  };
  auto set = [&](const fs::path& file, const std::string& value) {
    if (!write_text(file, value))
      fail("cannot write " + value + " to " + file.string());
  };
  if (v2_) {
    auto dir = make(pids_dir_);
    if (caps.processes > 0)
      set(dir / "pids.max", std::to_string(caps.processes));
    if (caps.sandbox_memory_mb > 0) {
      set(dir / "memory.max", std::to_string(caps.sandbox_memory_mb << 20));
      // No swapping past the cap (absent without swap accounting).
      if (fs::exists(dir / "memory.swap.max"))
        set(dir / "memory.swap.max", "0");
    }
  } else {
    if (!pids_dir_.empty()) {
      auto dir = make(pids_dir_);
      if (caps.processes > 0)
        set(dir / "pids.max", std::to_string(caps.processes));
    }
    if (!memory_dir_.empty()) {
      auto dir = make(memory_dir_);
      if (caps.sandbox_memory_mb > 0)
        set(dir / "memory.limit_in_bytes",
            std::to_string(caps.sandbox_memory_mb << 20));
    }
  }
  return std::make_unique<run_cgroup>(std::move(dirs), v2_);
}

std::size_t cgroup_root::sweep_leftovers() const {
  std::size_t killed = 0;
  std::vector<std::string> parents{pids_dir_};
  if (memory_dir_ != pids_dir_)
    parents.push_back(memory_dir_);
  for (const auto& parent : parents) {
    if (parent.empty())
      continue;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator{parent, ec})
      if (entry.is_directory() && !owner_alive(entry.path().filename())) {
        run_cgroup left{{entry.path().string()}, v2_};
        killed += left.kill_all();
      }
  }
  return killed;
}

} // namespace telclaude::sandbox
