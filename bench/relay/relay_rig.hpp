#pragma once

// The relay's actors wired as supervisor::start() wires them (store,
// outbox, audit, gatekeeper, router, poller), over a real SQLite file and
// the loopback Bot API, with the agent replaced through the
// agent_launcher seam by an in-process scripted run. What the bench
// measures is the relay's Telegram side, not process spawning.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/chat_session.hpp"
#include "core/clock.hpp"
#include "messages/actors.hpp"
#include "security/redaction_engine.hpp"

namespace telclaude::testing {
class loopback_bot_api;
} // namespace telclaude::testing

namespace telclaude::telegram {
class bot_api_client;
} // namespace telclaude::telegram

namespace telclaude::bench {

using steady = std::chrono::steady_clock;

struct rig_options {
  std::filesystem::path data_dir;
  /// Chats (= users, private chats) linked READ_ONLY before the start.
  std::int64_t chats = 1000;
  /// The first chat id (chats are first_chat .. first_chat + chats - 1).
  std::int64_t first_chat = 1'000'000;
  /// security.audit.enabled (table and JSONL file), as a relay's default.
  bool audit = true;
  /// Start the poller (off: messages go to the router directly).
  bool poll = true;
  /// How agent runs are made (see scripted_launcher / instant_launcher).
  agent_launcher launch;
  /// Called once every actor but the poller runs.
  std::function<void(class relay_rig&)> on_start;
};

struct bench_config : caf::actor_system_config {
  bench_config();
};

/// The wired relay. Construct, then start(); stop() (or the destructor)
/// stops in the supervisor's order.
class relay_rig {
public:
  relay_rig(rig_options opts, testing::loopback_bot_api* api);
  ~relay_rig();

  void start();
  void stop();

  caf::actor_system& system() {
    return *sys_;
  }
  store_actor store() const {
    return store_;
  }
  outbox_actor outbox() const {
    return outbox_;
  }
  router_actor router() const {
    return router_;
  }
  const rig_options& options() const {
    return opts_;
  }
  std::shared_ptr<const security::redaction_engine> engine() const {
    return engine_;
  }
  /// Live chat_session actors (asks the router).
  std::uint64_t sessions();
  /// Waits until the store answered everything sent to it before.
  void sync_store();
  /// Waits until the audit actor wrote everything sent to it before.
  void sync_audit();

private:
  rig_options opts_;
  testing::loopback_bot_api* api_;
  std::unique_ptr<bench_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<const security::redaction_engine> engine_;
  std::vector<std::shared_ptr<telegram::bot_api_client>> send_clients_;
  std::shared_ptr<telegram::bot_api_client> poll_client_;
  store_actor store_;
  outbox_actor outbox_;
  audit_actor audit_;
  gatekeeper_actor gatekeeper_;
  router_actor router_;
  poller_actor poller_;
  bool started_ = false;
};

/// Counts turns; a run ends at once (no output): the inbound and memory
/// modes. Marks the turn's update answered as the outbox would.
struct instant_runs {
  std::atomic<std::uint64_t> launched{0};
  std::mutex mutex;
  std::vector<std::int64_t> update_ids;
  store_actor store;
};
agent_launcher instant_launcher(std::shared_ptr<instant_runs> runs);

/// A scripted agent that streams a reply through the real redactor:
/// `chunks` pieces of text `interval` apart, then ends the turn. Records
/// when each turn's first text was handed over.
struct scripted_runs {
  int chunks = 30;
  std::chrono::milliseconds interval{1000};
  std::shared_ptr<const security::redaction_engine> engine;
  outbox_actor outbox;
  std::mutex mutex;
  /// chat id -> when its (only) turn's first text went to the redactor.
  std::unordered_map<std::int64_t, steady::time_point> first_text;
  /// chat id -> when its turn ended (reply_end sent).
  std::unordered_map<std::int64_t, steady::time_point> ended;
  std::atomic<std::uint64_t> launched{0};
  std::atomic<std::uint64_t> finished{0};
};
agent_launcher scripted_launcher(std::shared_ptr<scripted_runs> runs);

/// The text chunk `k` of the scripted reply in `chat_id`; chunk 0 carries
/// the chat's marker ("c<chat_id>x").
std::string scripted_chunk(std::int64_t chat_id, int k);

/// The whole scripted reply of a chat.
std::string scripted_reply(std::int64_t chat_id, int chunks);

/// Resident memory of this process (Rss of /proc/self/smaps_rollup), bytes.
std::size_t resident_bytes();

} // namespace telclaude::bench
