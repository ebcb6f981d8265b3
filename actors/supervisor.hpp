#pragma once

#include <atomic>
#include <filesystem>
#include <memory>

#include "access/access_control.hpp"
#include "actors/agent_run.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "messages/actors.hpp"
#include "security/redaction_engine.hpp"

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace telclaude {

namespace telegram {
class bot_api_client;
} // namespace telegram

namespace storage {
class database;
} // namespace storage

/// Everything the relay checks and builds before any actor starts. Each
/// step throws `user_error` naming what is wrong and how to fix it, so a
/// bad set-up stops start-up with a clear message, not a half-started
/// relay.
/// The exclusive lock of one data dir (`<data dir>/relay.lock`, flock):
/// two relays on one data dir would fight over getUpdates (409), the
/// database and the sandbox's egress socket. Released when destroyed.
class data_dir_lock {
public:
  /// Takes the lock; `relay.running` when another process holds it.
  explicit data_dir_lock(const std::filesystem::path& data_dir);
  ~data_dir_lock();
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

private:
  int fd_ = -1;
};

struct relay_plan {
  config::settings settings;
  /// Held from planning on: nothing of a running relay's (its egress
  /// socket, its database) is touched before this relay owns the dir.
  std::shared_ptr<const data_dir_lock> lock;
  std::shared_ptr<const agent_spec> agent;
  std::filesystem::path database_file;
};

/// What the gatekeeper enforces, from `security` and `telegram`.
access::access_options access_options_from(const config::settings& s);

/// The redaction engine's settings from `security.secretFilter`.
security::redaction_settings
redaction_settings_from(const config::secret_filter_settings& f);

/// Validates the set-up: the redaction patterns compile, `bwrap` works, the
/// agent program and the workdir exist. Creates the data dir (0700).
relay_plan plan_relay(const config::settings& settings);

/// Starts the actors in dependency order and stops them in reverse:
/// store → outbox → router (sessions, runs) → poller. Updates stored but
/// not answered before a crash are routed again first.
class supervisor {
public:
  explicit supervisor(relay_plan plan, const clock& wall = system_clock::instance());
  ~supervisor();

  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  /// Opens the database and starts every actor.
  void start();

  /// True once polling stopped for good (token rejected, reconnect attempts
  /// exhausted): the relay should exit with an error.
  bool failed() const {
    return poller_failed_->load();
  }

  /// Stops in reverse start order; a turn still running is ended and its
  /// update stays pending for the next start.
  void stop();

private:
  relay_plan plan_;
  const clock& wall_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<telegram::bot_api_client> poll_client_;
  std::shared_ptr<telegram::bot_api_client> send_client_;
  store_actor store_;
  outbox_actor outbox_;
  audit_actor audit_;
  totp_client_actor totp_client_;
  gatekeeper_actor gatekeeper_;
  router_actor router_;
  agent_slots_actor slots_;
  poller_actor poller_;
  std::shared_ptr<std::atomic<bool>> poller_failed_
    = std::make_shared<std::atomic<bool>>(false);
  bool stopped_ = true;
  /// Held (flock) while the relay runs: one relay per data dir.
};

} // namespace telclaude
