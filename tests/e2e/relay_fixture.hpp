#pragma once

// Runs the built `telclaude relay` as a child process against the
// project's loopback Bot API, with the scripted agent under bwrap.

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "agent/child_process.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "testing/bot_api_html.hpp"
#include "testing/loopback_bot_api.hpp"
#include "tests/agent/test_support.hpp"

namespace telclaude::testing {

using namespace std::chrono_literals;

inline std::filesystem::path bin_dir() {
  return std::filesystem::path{test_env("TELCLAUDE_BINARY_DIR")} / "bin";
}

/// A relay process and the world around it.
struct relay_fixture {
  temp_dir tmp;
  loopback_bot_api api;
  nlohmann::json config;
  std::vector<std::string> extra_env;
  std::unique_ptr<agent::child_process> relay;
  /// Users linked (tg id -> tier) in the database before each start,
  /// as `/link` would: the conversation tests talk as linked users.
  std::map<std::int64_t, std::string> seeded_links = default_links();

  static std::map<std::int64_t, std::string> default_links() {
    std::map<std::int64_t, std::string> l;
    for (std::int64_t user = 1; user <= 10; ++user)
      l[user] = "WRITE_SAFE";
    return l;
  }

  /// Writes `seeded_links` into the relay's database (creating it).
  void seed_links() {
    auto db = storage::database::open(data_dir() / "telclaude.db");
    storage::identity_links repo{db};
    for (const auto& [user, tier] : seeded_links)
      repo.upsert({user, tier, 0, "e2e-fixture"});
  }

  relay_fixture() {
    std::filesystem::create_directories(tmp.path() / "work");
    config = {
      {"telegram",
       {{"botToken", api.token()},
        {"apiBaseUrl", api.base_url()},
        {"allowedChats", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -100}},
        {"polling", {{"timeout", 1}}},
        {"reconnect",
         {{"initialMs", 100}, {"maxMs", 400}, {"jitter", 0.1}}}}},
      {"agent",
       {{"command", (bin_dir() / "telclaude-scripted-agent").string()},
        {"workdir", (tmp.path() / "work").string()}}},
      {"inbound", {{"reply", {{"typingIntervalSeconds", 1}}}}},
      {"logging", {{"level", "debug"}}}};
  }

  ~relay_fixture() {
    if (relay) {
      relay->signal(SIGTERM);
      if (!relay->wait_for(20s)) {
        BOOST_ERROR("relay did not stop within 20 s of SIGTERM");
        relay->signal(SIGKILL);
      }
    }
  }

  std::filesystem::path data_dir() const {
    return tmp.path() / "data";
  }

  std::filesystem::path write_config() {
    auto file = tmp.path() / "telclaude.json";
    std::ofstream{file} << config.dump(2);
    return file;
  }

  std::vector<std::string> environment() const {
    std::vector<std::string> env{
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "HOME=" + tmp.path().string(),
      "TELCLAUDE_DATA_DIR=" + data_dir().string()};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return env;
  }

  /// Runs `telclaude args...` to completion (with `input` on stdin);
  /// gives exit code and output.
  struct run_result {
    int code;
    std::string out;
    std::string err;
  };
  run_result run(std::vector<std::string> args,
                 std::optional<std::string> input = std::nullopt) {
    agent::spawn_options o;
    if (input) {
      // child_process gives no stdin: feed a file through sh.
      auto file = tmp.path() / "stdin.txt";
      std::ofstream{file} << *input;
      o.argv = {"/bin/sh", "-c", "f=$1; shift; exec \"$0\" \"$@\" < \"$f\"",
                (bin_dir() / "telclaude").string(), file.string()};
    } else {
      o.argv = {(bin_dir() / "telclaude").string()};
    }
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.env = environment();
    agent::child_process p{o};
    std::string out;
    while (auto line = p.read_line())
      out += *line + "\n";
    auto st = p.wait();
    return {st.code, out, p.stderr_tail()};
  }

  /// Starts the relay with the current config (linking `seeded_links` first).
  void start() {
    if (!seeded_links.empty())
      seed_links();
    agent::spawn_options o;
    o.argv = {(bin_dir() / "telclaude").string(), "relay", "--config",
              write_config().string()};
    o.env = environment();
    relay = std::make_unique<agent::child_process>(o);
  }

  /// kill -9, as a crash would.
  void crash() {
    relay->signal(SIGKILL);
    relay->wait();
    relay.reset();
  }

  /// Waits until the bot sent `n` messages to `chat` and the first `n` are
  /// final (no preview still streaming); returns the messages with `text`
  /// as users see it (HTML decoded).
  std::vector<bot_message> replies(std::int64_t chat, std::size_t n,
                                   std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<bot_message> msgs;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      msgs = api.wait_for_messages(chat, n, std::max(left, 0ms));
      const bool final =
        msgs.size() >= n &&
        std::none_of(msgs.begin(), msgs.begin() + n,
                     [](const bot_message& m) { return m.is_preview(); });
      if (final)
        break;
      if (std::chrono::steady_clock::now() >= deadline)
        BOOST_FAIL("chat " << chat << ": " << msgs.size() << " of " << n
                           << " final replies; relay stderr:\n"
                           << (relay ? relay->stderr_tail() : ""));
      std::this_thread::sleep_for(20ms);
    }
    for (auto& m : msgs)
      if (m.parse_mode == "HTML")
        m.text = parse_html(m.text).plain;
    return msgs;
  }

  /// Waits until a turn runs in `chat` (its typing indicator shows).
  void await_turn_start(std::int64_t chat) {
    for (int i = 0; i < 200 && api.chat_actions(chat).empty(); ++i)
      std::this_thread::sleep_for(50ms);
    BOOST_REQUIRE_MESSAGE(!api.chat_actions(chat).empty(),
                          "no turn started in chat " << chat);
  }

  /// Gives the relay time to do something it should not.
  static void settle(std::chrono::milliseconds d = 1500ms) {
    std::this_thread::sleep_for(d);
  }
};

} // namespace telclaude::testing
