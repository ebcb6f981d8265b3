#define BOOST_TEST_MODULE egress
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/relay_sandbox.hpp"
#include "sandbox/egress_proxy.hpp"
#include "sandbox/netbridge.hpp"
#include "sandbox/self_test.hpp"
#include "tests/agent/test_support.hpp"
#include "tests/sandbox/loopback_server.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <mutex>

using namespace telclaude::sandbox;
using telclaude::agent::child_process;
using telclaude::testing::loopback_server;
using telclaude::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

/// Reads what `fd` sends until it closes (at most 10 s).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0)
      break;
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

/// A proxy on a socket in a temp dir with a fake resolver; records events.
struct proxy_fixture {
  temp_dir dir;
  loopback_server listed{"listed\n"};
  loopback_server canary{"canary\n"};
  std::mutex mutex;
  std::vector<egress_event> events;
  std::unique_ptr<egress_proxy> proxy;

  proxy_fixture() {
    egress_proxy_options o;
    o.socket_path = (dir.path() / "egress.sock").string();
    o.allowed_domains = {"api.example.com", "*.rebind.example"};
    o.allow_hosts = {listed.address(), "named.test:" +
                                         std::to_string(listed.port())};
    o.resolve = [](const std::string& host, std::string& error) {
      std::vector<ip_address> out;
      if (host == "a.rebind.example")
        out = {*ip_address::parse("8.8.8.8"), *ip_address::parse("10.0.0.7")};
      else if (host == "b.rebind.example")
        out = {*ip_address::parse("::ffff:169.254.169.254")};
      else if (host == "named.test")
        out = {*ip_address::parse("127.0.0.1")};
      else
        error = "no such name (test resolver)";
      return out;
    };
    o.on_event = [this](const egress_event& e) {
      std::lock_guard lock{mutex};
      events.push_back(e);
    };
    proxy = std::make_unique<egress_proxy>(o);
  }

  /// A CONNECT through the proxy: status and `fd` left open on 200.
  int connect_to(const std::string& target, int& fd, std::string& why) {
    fd = netbridge::connect_unix(proxy->socket_path());
    BOOST_TEST_REQUIRE(fd >= 0);
    return netbridge::proxy_connect(fd, target, &why);
  }

  std::string last_refusal() {
    std::lock_guard lock{mutex};
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (!it->allowed)
        return it->detail;
    return {};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(proxy, proxy_fixture)

BOOST_AUTO_TEST_CASE(a_listed_host_is_tunnelled) {
  int fd = -1;
  std::string why;
  BOOST_TEST(connect_to(listed.address(), fd, why) == 200);
  BOOST_TEST(::write(fd, "ping", 4) == 4);
  BOOST_TEST(read_all(fd) == "listed\nping");
  ::close(fd);
  BOOST_TEST(connect_to("named.test:" + std::to_string(listed.port()), fd,
                        why) == 200);
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(refusals_are_403_with_the_reason) {
  struct attempt {
    std::string target;
    int status;
    std::string reason;
  };
  std::vector<attempt> attempts{
    {canary.address(), 403,
     "address 127.0.0.1 is not in sandbox.network.allowHosts (port "
       + std::to_string(canary.port()) + ")"},
    {"169.254.169.254:80", 403, "169.254.169.254 is a cloud metadata endpoint"},
    {"[fd00:ec2::254]:80", 403, "fd00:ec2::254 is a cloud metadata endpoint"},
    {"metadata.google.internal:80", 403,
     "\"metadata.google.internal\" is a cloud metadata endpoint"},
    {"10.0.0.1:80", 403,
     "address 10.0.0.1 is not in sandbox.network.allowHosts (port 80)"},
    {"evil.example.net:443", 403,
     "\"evil.example.net\" is not in sandbox.network.allowedDomains"},
    // Rebinding: an allowed name with a private address among its own.
    {"a.rebind.example:443", 403,
     "a.rebind.example resolves to 10.0.0.7, a private address; list "
     "\"a.rebind.example:443\" in sandbox.network.allowHosts to allow it"},
    {"b.rebind.example:443", 403,
     "b.rebind.example resolves to ::ffff:169.254.169.254, a cloud metadata "
     "address, never reachable"},
    {"api.example.com:443", 502,
     "cannot resolve api.example.com: no such name (test resolver)"}};
  for (const auto& a : attempts) {
    BOOST_TEST_CONTEXT(a.target) {
      int fd = -1;
      std::string why;
      BOOST_TEST(connect_to(a.target, fd, why) == a.status);
      BOOST_TEST(why == "telclaude egress proxy: " + a.reason);
      BOOST_TEST(last_refusal() == a.reason);
      ::close(fd);
    }
  }
  BOOST_TEST(canary.connections() == 0);
}

BOOST_AUTO_TEST_CASE(absolute_form_http_is_forwarded_in_origin_form) {
  int fd = netbridge::connect_unix(proxy->socket_path());
  std::string request = "GET http://" + listed.address()
                      + "/v1/x HTTP/1.1\r\nHost: " + listed.address()
                      + "\r\nProxy-Connection: keep-alive\r\n\r\n";
  BOOST_TEST(::write(fd, request.data(), request.size())
             == static_cast<ssize_t>(request.size()));
  auto answer = read_all(fd);
  ::close(fd);
  // The server echoes what it received after its greeting.
  BOOST_TEST(answer.starts_with("listed\nGET /v1/x HTTP/1.1\r\n"), answer);
  BOOST_TEST(answer.find("Proxy-Connection") == std::string::npos);
  BOOST_TEST(answer.find("Connection: close") != std::string::npos);

  fd = netbridge::connect_unix(proxy->socket_path());
  request = "GET http://" + canary.address() + "/ HTTP/1.1\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  BOOST_TEST(read_all(fd).starts_with("HTTP/1.1 403 Forbidden"));
  ::close(fd);
  BOOST_TEST(canary.connections() == 0);
}

BOOST_AUTO_TEST_CASE(garbage_gets_400_and_stop_ends_open_tunnels) {
  int fd = netbridge::connect_unix(proxy->socket_path());
  (void)!::write(fd, "HELLO\r\n\r\n", 9);
  BOOST_TEST(read_all(fd).starts_with("HTTP/1.1 400 Bad Request"));
  ::close(fd);
  std::string why;
  BOOST_TEST(connect_to(listed.address(), fd, why) == 200);
  proxy->stop();  // must not hang on the open tunnel
  BOOST_TEST(!std::filesystem::exists(dir.path() / "egress.sock"));
  ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The proxy, plus an agent policy that reaches it only through the
/// bridge (no network of its own).
struct bridged_fixture : proxy_fixture {
  std::filesystem::path workdir = dir.path() / "work";
  policy p;

  bridged_fixture() {
    std::filesystem::create_directories(workdir);
    agent_sandbox s;
    s.workdir = workdir.string();
    s.state_dir = (dir.path() / "state").string();
    s.netbridge = netbridge_path();
    s.proxy_socket = proxy->socket_path();
    s.forwards = {listed.address()};
    p = agent_policy(s, {"PATH=/usr/bin:/bin", "TELEGRAM_BOT_TOKEN=1:leak",
                         "TOTP_ENCRYPTION_KEY=leak"});
  }

  /// Runs a bash script under the bridge and returns its output.
  std::pair<std::string, int> bash(const std::string& script) {
    child_process child{sandboxed_spawn(p, {"bash", "-c", script})};
    std::string out;
    while (auto line = child.read_line())
      out += *line + "\n";
    auto status = child.wait();
    return {out, status.code};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(bridge, bridged_fixture)

BOOST_AUTO_TEST_CASE(the_self_test_passes_inside_the_real_policy) {
  self_test_plan plan;
  plan.hidden = {(dir.path() / "egress.sock").string(),
                 (dir.path() / "state").string() + "/../secret"};
  plan.refuse = {"169.254.169.254:80", "10.0.0.1:80", canary.address()};
  plan.reach = {listed.address()};
  auto result = run_self_test(p, plan);
  std::string all;
  for (const auto& l : result.lines)
    all += l + "\n";
  BOOST_TEST(result.ok, result.problem + "\n" + all);
  BOOST_TEST(all.find("ok network: only loopback inside") != std::string::npos,
             all);
  BOOST_TEST(all.find("ok proxy: " + listed.address() + " reachable")
               != std::string::npos,
             all);
  BOOST_TEST(canary.connections() == 0);
}

BOOST_AUTO_TEST_CASE(a_loopback_forward_reaches_the_listed_host) {
  auto [out, code] = bash(
    "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(listed.port())
    + " && read -r line <&3 && echo \"got $line\"; "
      "echo \"proxy=$HTTPS_PROXY\"; exec 4<>/dev/tcp/127.0.0.1/"
    + std::to_string(canary.port()) + " && echo canary-reached; exit 7");
  BOOST_TEST(code == 7);
  BOOST_TEST(out.find("got listed") != std::string::npos, out);
  BOOST_TEST(out.find("proxy=http://127.0.0.1:") != std::string::npos, out);
  BOOST_TEST(out.find("canary-reached") == std::string::npos, out);
  BOOST_TEST(canary.connections() == 0);
}

BOOST_AUTO_TEST_CASE(the_agents_signal_death_is_passed_on) {
  child_process child{sandboxed_spawn(p, {"bash", "-c", "kill -TERM $$"})};
  while (child.read_line()) {
  }
  auto status = child.wait();
  BOOST_TEST(!status.success());
  // bwrap reports a signal death of its command as 128 + the signal.
  BOOST_TEST((status.signal == SIGTERM || status.code == 128 + SIGTERM),
             status.describe());
}

BOOST_AUTO_TEST_CASE(sigint_reaches_the_agent_and_its_exit_is_reported) {
  // As the relay interrupts a turn: SIGINT to the whole process group.
  // bwrap and the bridge ignore it; the agent's handler decides.
  auto agent = fs::read_symlink("/proc/self/exe").parent_path()
             / "telclaude-escape-agent";
  auto q = p;
  q.read_only_paths.push_back(agent.parent_path().string());
  child_process child{sandboxed_spawn(q, {agent.string(), "--await-sigint"})};
  auto line = child.read_line();
  BOOST_TEST_REQUIRE(line.has_value(), child.stderr_tail());
  BOOST_TEST(*line == "ready");
  child.signal(SIGINT);
  auto status = child.wait_for(std::chrono::seconds{20});
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(status->code == 42, status->describe());
}

BOOST_AUTO_TEST_CASE(sigkill_ends_the_whole_sandbox) {
  child_process child{sandboxed_spawn(
    p, {"bash", "-c", "sleep 60 & echo ready; wait"})};
  auto line = child.read_line();
  BOOST_TEST_REQUIRE(line.has_value(), child.stderr_tail());
  child.signal(SIGKILL);
  auto status = child.wait_for(std::chrono::seconds{20});
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(!status->success());
  // Nothing of it is left to hold stdout open.
  BOOST_TEST(!child.read_line().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_missing_bridge_stops_the_relay) {
  temp_dir dir;
  ::setenv("TELCLAUDE_NETBRIDGE", "/nonexistent/telclaude-netbridge", 1);
  relay_sandbox_options o;
  o.workdir = dir.path().string();
  o.data_dir = (dir.path() / "data").string();
  try {
    prepare_relay_sandbox(o, {"PATH=/usr/bin:/bin"});
    BOOST_ERROR("no error");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "sandbox.netbridge");
    BOOST_TEST(std::string{e.what()}.find("TELCLAUDE_NETBRIDGE")
               != std::string::npos);
  }
  ::unsetenv("TELCLAUDE_NETBRIDGE");
  BOOST_TEST(!netbridge_path().empty());
}
