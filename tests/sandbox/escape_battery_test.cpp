#define BOOST_TEST_MODULE escape_battery
#include <boost/test/unit_test.hpp>

// The escape battery: a hostile agent (tests/sandbox/escape_agent.cpp)
// runs inside the sandbox exactly as the relay builds it
// (prepare_relay_sandbox, then run_sandbox for the run's tier) and tries
// to read the host's secrets, write where its tier does not allow, and
// get out to the network. Every attempt must be blocked.

#include "core/error.hpp"
#include "sandbox/relay_sandbox.hpp"
#include "sandbox/run_sandbox.hpp"
#include "tests/agent/test_support.hpp"
#include "tests/sandbox/loopback_server.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

extern char** environ;

using namespace telclaude::sandbox;
using telclaude::agent::child_process;
using telclaude::testing::loopback_server;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream{path} << content;
}

/// What one hostile run printed, counted.
struct verdicts {
  std::vector<std::string> lines;
  int attempts = 0, escapes = 0, wanted = 0, failed = 0;
};

/// A fresh directory under the current one (the build tree), not under
/// /tmp: inside the sandbox /tmp is the agent's private one, and parents
/// of mount points below it would land there, blurring "outside".
class work_dir {
public:
  work_dir() {
    auto base = fs::current_path();
    auto rel = base.lexically_relative(fs::temp_directory_path());
    if (!rel.empty() && *rel.begin() != "..")
      base = "/var/tmp";  // a build tree under /tmp: anywhere but there
    auto pattern = (base / "escape-battery-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~work_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const {
    return path_;
  }

private:
  fs::path path_;
};

/// The relay's world: a HOME with credentials, a data dir with the
/// database, audit log, TOTP socket and secrets, a config file with the
/// token, a canary in the host's /tmp and listeners on its loopback.
struct battery_fixture {
  work_dir dir;
  fs::path home = dir.path() / "home";
  fs::path data = dir.path() / "data";
  fs::path work = dir.path() / "work";
  fs::path config = dir.path() / "config.json";
  fs::path host_tmp_canary =
    fs::temp_directory_path()
    / ("telclaude-canary-" + std::to_string(::getpid()));
  loopback_server listed{"listed-greeting\n"};
  loopback_server canary{"canary-greeting\n"};
  int totp_fd = -1;
  std::string agent = (fs::read_symlink("/proc/self/exe").parent_path()
                       / "telclaude-escape-agent")
                        .string();
  relay_sandbox relay;

  battery_fixture() {
    write_file(home / ".ssh/id_rsa", "CANARY-SSH-KEY");
    write_file(home / ".aws/credentials", "CANARY-AWS");
    write_file(data / "telclaude.db", "CANARY-DB");
    write_file(data / "audit.log", "CANARY-AUDIT");
    write_file(data / "totp-secrets.enc", "CANARY-TOTP");
    write_file(config, R"({"telegram": {"botToken": "123:CANARYTOKEN"}})");
    write_file(host_tmp_canary, "CANARY-TMP");
    write_file(work / ".env", "CANARY_ENV=1");
    write_file(work / "notes.txt", "hello");
    fs::create_directories(work / ".git/hooks");
    fs::create_directories(work / "sub");
    fs::create_symlink(home / ".ssh/id_rsa", work / "link-to-ssh-key");
    fs::create_symlink(data, work / "link-to-data");
    // The TOTP daemon's socket, listening.
    totp_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    auto sock = (data / "totp.sock").string();
    std::strcpy(sa.sun_path, sock.c_str());
    ::bind(totp_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(totp_fd, 4);

    relay_sandbox_options o;
    o.workdir = fs::canonical(work).string();
    o.data_dir = data.string();
    o.program = agent;
    o.allowed_domains = {"api.anthropic.com"};
    o.allow_hosts = {listed.address()};
    o.hidden = relay_hidden_paths(data.string(),
                                  {config.string(),
                                   (data / "audit.log").string(), sock},
                                  home.string());
    relay = prepare_relay_sandbox(
      o, {"PATH=/usr/bin:/bin", "HOME=" + home.string(), "LANG=C.UTF-8",
          "TELEGRAM_BOT_TOKEN=123:CANARYTOKEN",
          "TOTP_ENCRYPTION_KEY=CANARYKEY", "TELCLAUDE_DATA_DIR=" + data.string(),
          "AWS_SECRET_ACCESS_KEY=CANARYAWS"});
  }
  ~battery_fixture() {
    ::close(totp_fd);
    fs::remove(host_tmp_canary);
  }

  /// Runs the hostile agent with `attempts` under the run's sandbox.
  verdicts run(run_sandbox& box, const std::vector<std::string>& attempts) {
    std::vector<std::string> argv{agent};
    argv.insert(argv.end(), attempts.begin(), attempts.end());
    child_process child{sandboxed_spawn(box.get(), argv)};
    verdicts v;
    while (auto line = child.read_line()) {
      v.lines.push_back(*line);
      std::cout << "  " << *line << "\n";
      if (line->starts_with("BLOCKED "))
        ++v.attempts;
      if (line->starts_with("ESCAPE ")) {
        ++v.attempts;
        ++v.escapes;
      }
      if (line->starts_with("OK "))
        ++v.wanted;
      if (line->starts_with("FAIL ")) {
        ++v.wanted;
        ++v.failed;
      }
    }
    auto status = child.wait();
    BOOST_TEST(status.success(), status.describe() + ": "
                                   + child.stderr_tail());
    return v;
  }

  /// The longest entry of this process's initial environment: a needle
  /// that only /proc/<this pid>/environ holds.
  static std::string environ_needle() {
    std::string best;
    for (char** e = environ; *e; ++e)
      if (std::string_view{*e}.size() > best.size())
        best = *e;
    return best;
  }
};

std::string p(const fs::path& path) {
  return path.string();
}

} // namespace

BOOST_FIXTURE_TEST_CASE(a_hostile_agent_escapes_nowhere, battery_fixture) {
  BOOST_TEST_REQUIRE(relay.self_test.ok, relay.self_test.problem);
  auto port = [](const loopback_server& s) { return std::to_string(s.port()); };
  std::vector<std::string> attempts{
    "ssh-key|read|" + p(home / ".ssh/id_rsa"),
    "aws-credentials|read|" + p(home / ".aws/credentials"),
    "relay-database|read|" + p(data / "telclaude.db"),
    "relay-config|read|" + p(config),
    "audit-log|read|" + p(data / "audit.log"),
    "totp-socket|read|" + p(data / "totp.sock"),
    "totp-secrets|read|" + p(data / "totp-secrets.enc"),
    "relay-environ|grep|/proc/" + std::to_string(::getpid()) + "/environ|"
      + environ_needle(),
    "bwrap-environ|grep|/proc/1/environ|CANARYTOKEN",
    "host-tmp|read|" + p(host_tmp_canary),
    "write-outside-workdir|write|" + p(dir.path() / "outside.txt"),
    "write-home-of-relay|write|" + p(home / ".ssh/authorized_keys"),
    "write-system|write|/usr/pwned",
    "write-root|write|/pwned",
    "overwrite-env|write|" + p(work / ".env"),
    "create-id_rsa|write|" + p(work / "id_rsa"),
    "create-npmrc|write|" + p(work / ".npmrc"),
    "git-hook|write|" + p(work / ".git/hooks/pre-commit"),
    "symlink-out|read|" + p(work / "link-to-ssh-key"),
    "symlink-dir-out|read|" + p(work / "link-to-data/telclaude.db"),
    "bot-token-env|env|TELEGRAM_BOT_TOKEN",
    "totp-key-env|env|TOTP_ENCRYPTION_KEY",
    "aws-env|env|AWS_SECRET_ACCESS_KEY",
    "metadata-direct|connect|169.254.169.254|80",
    "private-direct|connect|10.0.0.1|80",
    "host-loopback-direct|connect|127.0.0.1|" + port(canary),
    "internet-direct|connect|1.1.1.1|443",
    "metadata-proxy|proxy|169.254.169.254:80",
    "metadata-v6-proxy|proxy|[fd00:ec2::254]:80",
    "metadata-name-proxy|proxy|metadata.google.internal:80",
    "private-proxy|proxy|10.0.0.1:80",
    "host-loopback-proxy|proxy|" + canary.address(),
    "unlisted-domain-proxy|proxy|evil.example.com:443",
    // What must keep working.
    "workdir-write|can-write|" + p(work / "written-by-agent.txt"),
    "listed-host-proxy|can-proxy|" + listed.address(),
    "listed-host-forward|can-connect|127.0.0.1|" + port(listed),
  };
  run_sandbox box{relay.base, true, {}};
  auto v = run(box, attempts);
  auto created = box.finish();
  std::cout << v.attempts << " attempts, " << v.escapes << " escapes\n";
  BOOST_TEST(v.attempts == 33);
  BOOST_TEST(v.escapes == 0);
  BOOST_TEST(v.wanted == 3);
  BOOST_TEST(v.failed == 0);
  // The host side agrees: nothing written outside, canaries untouched.
  BOOST_TEST(!fs::exists(dir.path() / "outside.txt"));
  BOOST_TEST(!fs::exists(home / ".ssh/authorized_keys"));
  BOOST_TEST(!fs::exists(work / ".git/hooks/pre-commit"));
  BOOST_TEST(canary.connections() == 0);
  BOOST_TEST(listed.connections() == 2);
  std::string env_text;
  std::getline(std::ifstream{work / ".env"}, env_text);
  BOOST_TEST(env_text == "CANARY_ENV=1");
  // The run's placeholders are gone again; nothing sensitive appeared.
  BOOST_TEST(!fs::exists(work / "id_rsa"));
  BOOST_TEST(!fs::exists(work / ".npmrc"));
  BOOST_TEST(created.empty());
  BOOST_TEST(fs::exists(work / "written-by-agent.txt"));
}

BOOST_FIXTURE_TEST_CASE(read_only_cannot_write_the_workdir, battery_fixture) {
  run_sandbox box{relay.base, false, {}};
  auto v = run(box, {"workdir-write|write|" + p(work / "ro.txt"),
                     "workdir-read|can-connect|127.0.0.1|"
                       + std::to_string(listed.port())});
  BOOST_TEST(v.attempts == 1);
  BOOST_TEST(v.escapes == 0);
  BOOST_TEST(v.failed == 0);
  BOOST_TEST(!fs::exists(work / "ro.txt"));
  // No write guard for a read-only run: no placeholders either.
  BOOST_TEST(box.get().read_only_overlays.empty());
}

BOOST_FIXTURE_TEST_CASE(what_the_guard_cannot_prevent_is_reported,
                        battery_fixture) {
  // A new .env deep in a subdirectory, and a denyWrite match: the first
  // cannot be kept from being created, the second exists and stays.
  write_file(work / "db/app.sqlite", "data");
  run_sandbox box{relay.base, true, {"*.sqlite"}};
  auto v = run(box, {"deep-env|can-write|" + p(work / "sub/.env.local"),
                     "deny-write-glob|write|" + p(work / "db/app.sqlite")});
  BOOST_TEST(v.escapes == 0);
  BOOST_TEST(v.failed == 0);
  auto created = box.finish();
  BOOST_TEST(created == std::vector<std::string>{"sub/.env.local"},
             boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(the_default_workdir_under_the_data_dir_passes,
                        battery_fixture) {
  // agent.workdir defaults to <data dir>/workdir: it is mounted on
  // purpose, the database next to it is still checked and absent.
  fs::create_directories(data / "workdir");
  relay_sandbox_options o;
  o.workdir = fs::canonical(data / "workdir").string();
  o.data_dir = data.string();
  o.program = agent;
  o.hidden = relay_hidden_paths(data.string(), {config.string()},
                                home.string());
  o.socket_name = "second.sock";
  auto second = prepare_relay_sandbox(o, {"PATH=/usr/bin:/bin"});
  std::string all;
  for (const auto& l : second.self_test.lines)
    all += l + "\n";
  BOOST_TEST(second.self_test.ok, second.self_test.problem + "\n" + all);
  BOOST_TEST(all.find("hidden: " + (data / "telclaude.db").string())
               != std::string::npos,
             all);
  BOOST_TEST(all.find("hidden: " + (data / "workdir").string())
               == std::string::npos,
             all);
}

BOOST_FIXTURE_TEST_CASE(a_visible_secret_fails_the_self_test,
                        battery_fixture) {
  // A config file inside the workdir would be readable by the agent: the
  // self-test says so, and the relay refuses to start.
  write_file(work / "telclaude.json", "{}");
  relay_sandbox_options o;
  o.workdir = fs::canonical(work).string();
  o.data_dir = data.string();
  o.program = agent;
  o.hidden = {(work / "telclaude.json").string()};
  o.socket_name = "third.sock";
  auto third = prepare_relay_sandbox(o, {"PATH=/usr/bin:/bin"});
  BOOST_TEST(!third.self_test.ok);
  BOOST_TEST(third.self_test.problem
             == "visible: " + (work / "telclaude.json").string());
  try {
    require_self_test(third.self_test);
    BOOST_ERROR("no error");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "sandbox.self_test");
  }
}
