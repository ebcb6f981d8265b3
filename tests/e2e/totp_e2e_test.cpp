#define BOOST_TEST_MODULE totp_e2e
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <regex>

#include "storage/admin.hpp"
#include "tests/e2e/relay_fixture.hpp"
#include "totp/rfc6238.hpp"

// 2FA end to end: the built relay, the built TOTP daemon on its own socket,
// the loopback Bot API and the scripted agent.

using namespace telclaude;
using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

struct totp_relay : relay_fixture {
  std::unique_ptr<agent::child_process> daemon;

  totp_relay() {
    // User 1 is the admin; user 4 is FULL_ACCESS (every request waits for
    // an approval).
    seeded_links = {{1, "FULL_ACCESS"}, {4, "FULL_ACCESS"}};
    extra_env = {"TELCLAUDE_TOTP_SOCKET=" + socket().string()};
  }

  ~totp_relay() {
    stop_daemon();
  }

  std::filesystem::path socket() const {
    return tmp.path() / "run" / "totp.sock";
  }

  void start_daemon() {
    agent::spawn_options o;
    o.argv = {(bin_dir() / "telclaude").string(), "totp-daemon"};
    o.env = environment();
    daemon = std::make_unique<agent::child_process>(o);
    for (int i = 0; i < 200 && !std::filesystem::exists(socket()); ++i)
      std::this_thread::sleep_for(25ms);
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(socket()),
                          "the daemon did not listen: "
                            << daemon->stderr_tail());
  }

  void stop_daemon() {
    if (!daemon)
      return;
    daemon->signal(SIGTERM);
    if (!daemon->wait_for(10s))
      daemon->signal(SIGKILL);
    daemon.reset();
  }

  void start_all() {
    std::filesystem::create_directories(socket().parent_path());
    std::filesystem::permissions(socket().parent_path(),
                                 std::filesystem::perms::owner_all);
    start_daemon();
    seed_links();
    {
      auto db = storage::database::open(data_dir() / "telclaude.db");
      BOOST_REQUIRE(storage::admin{db}.claim(1, 0));
    }
    start();
  }

  /// The n-th message to `chat` (1-based), once it is there.
  bot_message nth(std::int64_t chat, std::size_t n) {
    return replies(chat, n)[n - 1];
  }

  /// The secret of the otpauth URI in a set-up message.
  static totp::secret_bytes secret_of(const std::string& caption) {
    std::smatch m;
    std::regex re{"secret=([A-Z2-7]+)"};
    BOOST_REQUIRE_MESSAGE(std::regex_search(caption, m, re), caption);
    auto secret = totp::base32_decode(m[1].str());
    BOOST_REQUIRE(secret.has_value());
    return *secret;
  }

  /// The code of the current step plus `ahead` steps (the daemon accepts
  /// one step of drift).
  static std::string code(const totp::secret_bytes& s, int ahead = 0) {
    return totp::code_at(s, std::time(nullptr) + 30 * ahead);
  }
};

std::string approve_data(const bot_message& prompt) {
  BOOST_REQUIRE(prompt.reply_markup.has_value());
  return (*prompt.reply_markup)["inline_keyboard"][0][0]["callback_data"];
}

} // namespace

BOOST_FIXTURE_TEST_CASE(set_up_verify_approve_and_fail_closed_without_the_daemon,
                        totp_relay) {
  start_all();
  // Set-up: a QR code photo whose caption carries the otpauth URI.
  api.post_command(1, 1, "/setup-2fa");
  auto setup = nth(1, 1);
  BOOST_REQUIRE(setup.photo.has_value());
  BOOST_TEST(setup.photo->substr(1, 3) == "PNG");
  auto secret = secret_of(setup.text);
  api.post_command(1, 1, "/verify-2fa 000000");
  BOOST_TEST(nth(1, 2).text.find("not right") != std::string::npos);
  auto first = code(secret);
  api.post_command(1, 1, "/verify-2fa " + first);
  BOOST_TEST(nth(1, 3).text.find("2FA is on") != std::string::npos,
             nth(1, 3).text);
  // The same code again is refused.
  api.post_command(1, 1, "/verify-2fa " + first);
  BOOST_TEST(nth(1, 4).text.find("used already") != std::string::npos,
             nth(1, 4).text);

  // With the session open, the admin approves user 4's request.
  api.post_message(4, 4, "ship it");
  auto prompt = nth(4, 1);
  api.post_callback(4, 1, prompt.message_id, approve_data(prompt));
  BOOST_TEST(nth(4, 3).text == "Echo #1: ship it");

  // Session closed: approving needs the second factor again.
  api.post_command(1, 1, "/2fa-logout");
  BOOST_TEST(nth(1, 5).text.find("closed") != std::string::npos);
  api.post_message(4, 4, "ship again");
  auto prompt2 = nth(4, 4);
  api.post_callback(4, 1, prompt2.message_id, approve_data(prompt2));
  BOOST_TEST(nth(4, 5).text.find("/verify-2fa") != std::string::npos,
             nth(4, 5).text);

  // The daemon stops: everything that needs it is refused, clearly.
  stop_daemon();
  api.post_command(1, 1, "/verify-2fa " + code(secret, 1));
  BOOST_TEST(nth(1, 6).text.find("2FA service unavailable")
             != std::string::npos,
             nth(1, 6).text);
  api.post_callback(4, 1, prompt2.message_id, approve_data(prompt2));
  BOOST_TEST(nth(4, 6).text.find("2FA service unavailable")
             != std::string::npos,
             nth(4, 6).text);

  // Back again: the enrolment survived; a fresh code opens a session and
  // the still-pending approval goes through.
  start_daemon();
  api.post_command(1, 1, "/verify-2fa " + code(secret, 1));
  BOOST_TEST(nth(1, 7).text.find("session open") != std::string::npos,
             nth(1, 7).text);
  api.post_callback(4, 1, prompt2.message_id, approve_data(prompt2));
  auto msgs = replies(4, 8);
  BOOST_TEST(msgs[7].text == "Echo #2: ship again");
}

BOOST_FIXTURE_TEST_CASE(the_agent_sandbox_sees_neither_socket_nor_secrets,
                        totp_relay) {
  seeded_links[2] = "WRITE_SAFE";
  start_all();
  api.post_command(1, 1, "/setup-2fa");
  nth(1, 1);
  auto secrets = data_dir() / "totp" / "secrets.bin";
  BOOST_REQUIRE(std::filesystem::exists(secrets));
  BOOST_REQUIRE(std::filesystem::exists(socket()));
  for (const auto& path : {socket(), secrets, data_dir() / "totp" / "key"}) {
    api.post_message(2, 2, "[[read " + path.string() + "]]");
  }
  auto msgs = replies(2, 3);
  for (const auto& m : msgs)
    BOOST_TEST(m.text.find("No such file") != std::string::npos, m.text);
}

BOOST_FIXTURE_TEST_CASE(totp_setup_from_a_terminal_checks_what_is_typed,
                        totp_relay) {
  std::filesystem::create_directories(socket().parent_path());
  std::filesystem::permissions(socket().parent_path(),
                               std::filesystem::perms::owner_all);
  start_daemon();
  // Not six digits: refused here, never sent; a wrong code: the daemon's
  // word; then the input ends and the set-up stays pending.
  auto r = run({"totp-setup", "tg:7"}, "abc\n000000\n");
  BOOST_TEST(r.code == 1, r.err);
  BOOST_TEST(r.out.find("otpauth://totp/") != std::string::npos);
  BOOST_TEST(r.out.find("█") != std::string::npos);  // the QR code drawn
  BOOST_TEST(r.out.find("a code is the six digits") != std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("that code is not right") != std::string::npos,
             r.out);
  BOOST_TEST(r.err.find("stays pending") != std::string::npos, r.err);
}
