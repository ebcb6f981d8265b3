#define BOOST_TEST_MODULE totp_daemon
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <thread>

#include "agent/child_process.hpp"
#include "tests/agent/test_support.hpp"
#include "totp/client.hpp"
#include "totp/protocol.hpp"
#include "totp/rfc6238.hpp"
#include "totp/socket_io.hpp"

using namespace telclaude::totp;
using namespace std::chrono_literals;
using telclaude::testing::slurp;
using telclaude::testing::temp_dir;
using telclaude::testing::test_env;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 0777;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The secret inside an otpauth URI.
secret_bytes secret_of(const std::string& uri) {
  auto at = uri.find("secret=") + 7;
  auto secret = base32_decode(uri.substr(at, uri.find('&', at) - at));
  BOOST_REQUIRE(secret);
  return *secret;
}

/// A raw connection for sending what no client would.
struct raw_connection {
  unique_fd fd;

  explicit raw_connection(const fs::path& socket) {
    fd = unique_fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, socket.c_str());
    BOOST_REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                            sizeof addr)
                  == 0);
    ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
  }

  void send(std::string_view bytes) {
    BOOST_REQUIRE((send_all(fd.get(), bytes,
                            std::chrono::steady_clock::now() + 5s)
                   == io_status::done));
  }

  /// The next answer's body; "" at EOF or after `timeout`.
  std::string answer(std::chrono::milliseconds timeout = 5s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto f = decoder.next())
        return *f;
      std::string chunk;
      if (receive_some(fd.get(), chunk, 70000, until) != io_status::done)
        return "";
      decoder.feed(chunk);
    }
  }

  /// Whether the daemon closed the connection within `timeout`.
  bool closed(std::chrono::milliseconds timeout = 5s) {
    std::string chunk;
    return receive_some(fd.get(), chunk, 1, std::chrono::steady_clock::now()
                                              + timeout)
           == io_status::eof;
  }

  frame_decoder decoder;
};

std::string error_code_in(const std::string& answer) {
  auto at = answer.find("\"error\":\"");
  if (at == std::string::npos)
    return "";
  at += 9;
  return answer.substr(at, answer.find('"', at) - at);
}

/// A data dir and the built daemon running on it.
struct daemon_fixture {
  temp_dir tmp;
  fs::path data = tmp.path() / "data";
  fs::path socket = data / "totp.sock";
  std::vector<std::string> extra_env;
  std::unique_ptr<telclaude::agent::child_process> daemon;
  totp_client client{socket, 3s};

  daemon_fixture() {
    start();
  }
  ~daemon_fixture() {
    if (daemon)
      daemon->signal(SIGKILL);
  }

  std::vector<std::string> environment() const {
    std::vector<std::string> env{"TELCLAUDE_DATA_DIR=" + data.string(),
                                 "HOME=" + tmp.path().string(),
                                 "PATH=/usr/bin:/bin"};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return env;
  }

  telclaude::agent::spawn_options options() const {
    telclaude::agent::spawn_options o;
    o.argv = {(fs::path{test_env("TELCLAUDE_BINARY_DIR")} / "bin" / "telclaude")
                .string(),
              "totp-daemon"};
    o.env = environment();
    return o;
  }

  void start() {
    daemon = std::make_unique<telclaude::agent::child_process>(options());
    for (int i = 0; i < 100; ++i) {
      if (client.ping())
        return;
      if (auto status = daemon->try_wait())
        BOOST_FAIL("the daemon exited: " << status->describe() << "\n"
                                         << daemon->stderr_tail());
      std::this_thread::sleep_for(50ms);
    }
    BOOST_FAIL("the daemon does not answer");
  }

  /// SIGTERM; the daemon must exit 0 and remove its socket.
  void stop() {
    BOOST_REQUIRE(daemon->signal(SIGTERM));
    auto status = daemon->wait_for(10s);
    BOOST_REQUIRE(status);
    BOOST_TEST(status->success(), status->describe() << daemon->stderr_tail());
    daemon.reset();
    BOOST_TEST(!fs::exists(fs::symlink_status(socket)));
  }

  /// A second daemon run to its end: exit status and stderr.
  std::pair<telclaude::agent::exit_status, std::string> run_another() {
    telclaude::agent::child_process other{options()};
    auto status = other.wait_for(10s);
    BOOST_REQUIRE(status);
    return {*status, other.stderr_tail()};
  }

  /// Enrolls and enables `user`; returns the secret.
  secret_bytes enable(std::int64_t user) {
    auto uri = client.setup(user, "tg:" + std::to_string(user));
    BOOST_REQUIRE_MESSAGE(uri, uri.error.code + ": " + uri.error.message);
    auto secret = secret_of(*uri);
    auto r = client.verify(user, code_at(secret, unix_now()));
    BOOST_REQUIRE(r);
    BOOST_REQUIRE(r->valid());
    return secret;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(socket_and_files_are_private, daemon_fixture) {
  struct stat st{};
  BOOST_REQUIRE(::lstat(socket.c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_TEST(mode_of(socket) == 0600u);
  BOOST_TEST(mode_of(data) == 0700u);
  BOOST_TEST(mode_of(data / "totp") == 0700u);
  BOOST_TEST(mode_of(data / "totp" / "key") == 0600u);
  enable(1);
  BOOST_TEST(mode_of(data / "totp" / "secrets.bin") == 0600u);
}

BOOST_FIXTURE_TEST_CASE(setup_verify_replay_and_disable, daemon_fixture) {
  auto none = client.status(42);
  BOOST_REQUIRE(none);
  BOOST_TEST((!none->enabled && !none->pending));
  auto uri = client.setup(42, "tg:42", "telclaude");
  BOOST_REQUIRE(uri);
  BOOST_TEST(uri->starts_with("otpauth://totp/telclaude:tg%3A42?secret="));
  BOOST_TEST(uri->ends_with("&issuer=telclaude&algorithm=SHA1&digits=6"
                            "&period=30"));
  BOOST_TEST(client.status(42)->pending);
  auto secret = secret_of(*uri);
  auto code = code_at(secret, unix_now());
  BOOST_TEST(client.verify(42, code)->valid());
  BOOST_TEST(client.status(42)->enabled);
  BOOST_TEST(to_string(client.verify(42, code)->reason) == "replayed");
  auto again = client.setup(42, "tg:42");
  BOOST_TEST(!again.value);
  BOOST_TEST(again.error.code == "already_enabled");
  // The same code cannot disable either; the next step's code can.
  BOOST_TEST(to_string(client.disable(42, code)->reason) == "replayed");
  auto next = code_for_step(secret, step_at(unix_now()) + 1);
  BOOST_TEST(client.disable(42, next)->valid());
  BOOST_TEST(!client.status(42)->enabled);
  BOOST_TEST(to_string(client.verify(42, next)->reason) == "not_enrolled");
}

BOOST_FIXTURE_TEST_CASE(wrong_codes_lock_the_user_out, daemon_fixture) {
  auto secret = enable(5);
  auto right = code_for_step(secret, step_at(unix_now()) + 1);
  auto wrong = right == "000000" ? std::string{"111111"} : "000000";
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(to_string(client.verify(5, wrong)->reason) == "wrong");
  auto r = client.verify(5, right);
  BOOST_REQUIRE(r);
  BOOST_TEST(to_string(r->reason) == "locked");
  BOOST_TEST((r->retry_after_s && *r->retry_after_s > 290));
  // Another user is not affected.
  BOOST_TEST(client.status(6).value.has_value());
}

BOOST_FIXTURE_TEST_CASE(a_restart_keeps_enrollments_and_replay_state,
                        daemon_fixture) {
  auto secret = enable(7);
  auto used = code_at(secret, unix_now());
  auto pending = client.setup(8, "tg:8");
  BOOST_REQUIRE(pending);
  stop();
  start();
  BOOST_TEST(client.status(7)->enabled);
  BOOST_TEST(client.status(8)->pending);
  BOOST_TEST(to_string(client.verify(7, used)->reason) == "replayed");
  BOOST_TEST(client.verify(8, code_at(secret_of(*pending), unix_now()))
               ->valid());
}

BOOST_FIXTURE_TEST_CASE(a_wrong_key_stops_the_start_and_keeps_the_file,
                        daemon_fixture) {
  enable(9);
  stop();
  auto before = slurp(data / "totp" / "secrets.bin");
  extra_env = {"TOTP_ENCRYPTION_KEY=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="};
  auto [status, err] = run_another();
  BOOST_TEST(status.code == 2);
  BOOST_TEST(err.find("[totp.key]") != std::string::npos, err);
  BOOST_TEST(slurp(data / "totp" / "secrets.bin") == before);
}

BOOST_FIXTURE_TEST_CASE(a_second_daemon_on_the_socket_is_refused,
                        daemon_fixture) {
  auto [status, err] = run_another();
  BOOST_TEST(status.code == 2);
  BOOST_TEST(err.find("[totp.running]") != std::string::npos, err);
  BOOST_TEST(client.ping().value.has_value());
}

BOOST_FIXTURE_TEST_CASE(concurrent_clients_are_all_answered, daemon_fixture) {
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([this, t, &answered] {
      for (int i = 0; i < 25; ++i) {
        auto user = 100 + t;
        if (i == 0 ? static_cast<bool>(client.setup(user, "tg:x"))
                   : static_cast<bool>(client.status(user)))
          ++answered;
      }
    });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(answered.load() == 200);
  for (int t = 0; t < 8; ++t)
    BOOST_TEST(client.status(100 + t)->pending);
}

BOOST_FIXTURE_TEST_CASE(a_slow_client_blocks_nobody_and_is_cut_off,
                        daemon_fixture) {
  raw_connection slow{socket};
  auto frame = encode_frame(R"({"op":"ping"})");
  slow.send(frame.substr(0, 7));
  auto begin = std::chrono::steady_clock::now();
  BOOST_TEST(client.ping().value.has_value());
  BOOST_TEST(client.status(1).value.has_value());
  BOOST_TEST((std::chrono::steady_clock::now() - begin < 1s));
  // The 5-second read deadline ends the slow connection.
  BOOST_TEST(slow.closed(8s));
  BOOST_TEST(client.ping().value.has_value());
}

BOOST_FIXTURE_TEST_CASE(malformed_frames_get_an_error_or_a_close,
                        daemon_fixture) {
  {
    // Bad bodies are answered and the connection goes on.
    raw_connection c{socket};
    for (auto [body, code] :
         {std::pair<std::string, std::string>{"not json", "bad_json"},
          {"[1,2]", "bad_request"},
          {R"({"op":"nope"})", "bad_request"},
          {R"({"op":"status","user":"1"})", "bad_request"},
          {R"({"op":"status","user":1,"x":2})", "bad_request"},
          {R"({"op":"status","user":99999999999999999999999})", "bad_json"},
          {"{\"op\":\"p\xffng\"}", "bad_json"}}) {
      c.send(encode_frame(body));
      BOOST_TEST(error_code_in(c.answer()) == code, body);
    }
    c.send(encode_frame(R"({"op":"ping"})"));
    BOOST_TEST(c.answer() == R"({"ok":true})");
  }
  {
    raw_connection c{socket};
    c.send(std::string(4, '\0'));
    BOOST_TEST(error_code_in(c.answer()) == "bad_request");
    BOOST_TEST(c.closed());
  }
  {
    raw_connection c{socket};
    c.send(std::string{"\x00\x01\x00\x01", 4});  // 65537
    BOOST_TEST(error_code_in(c.answer()) == "too_large");
    BOOST_TEST(c.closed());
  }
  {
    raw_connection c{socket};
    c.send(std::string(4, '\xff'));
    BOOST_TEST(error_code_in(c.answer()) == "too_large");
    BOOST_TEST(c.closed());
  }
  {
    // A body cut short, then the client's end of file.
    raw_connection c{socket};
    c.send(encode_frame(R"({"op":"ping"})").substr(0, 9));
    ::shutdown(c.fd.get(), SHUT_WR);
    BOOST_TEST(error_code_in(c.answer()) == "bad_request");
    BOOST_TEST(c.closed());
  }
  {
    // The largest frame is read whole (and refused as JSON).
    raw_connection c{socket};
    c.send(encode_frame(std::string(65536, 'x')));
    BOOST_TEST(error_code_in(c.answer()) == "bad_json");
  }
  BOOST_TEST(client.ping().value.has_value());
  BOOST_TEST(!daemon->try_wait());
}

BOOST_FIXTURE_TEST_CASE(the_client_reports_a_missing_daemon, daemon_fixture) {
  stop();
  auto r = client.ping();
  BOOST_TEST(!r.value);
  BOOST_TEST(r.error.code == "unavailable");
  BOOST_TEST(r.error.message.find(socket.string()) != std::string::npos);
}
