#pragma once

#include "core/security_profile.hpp"
#include "core/tier.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::config {

/// Which messages share one agent session.
enum class session_scope {
  per_sender,  // one session per chat ("per-sender")
  global,      // one session for every allowed chat ("global")
};

/// Backoff between failed Bot API calls (`telegram.reconnect`).
struct reconnect_settings {
  int initial_ms = 1000;
  int max_ms = 60000;
  double factor = 2.0;
  double jitter = 0.3;
  int max_attempts = 0;  // 0: retry forever
};

/// Long polling (`telegram.polling`). Telegram caps the timeout at 50 s.
struct polling_settings {
  int timeout = 30;  // seconds, 0..50
  int limit = 100;   // updates per call, 1..100
};

/// The bot and who may talk to it (`telegram`).
struct telegram_settings {
  std::string bot_token;  // secret: never log or echo it
  std::string api_base_url = "https://api.telegram.org";  // no trailing /
  std::vector<std::int64_t> allowed_chats;                // never empty
  polling_settings polling;
  reconnect_settings reconnect;
};

/// The Claude Code child process (`agent`).
struct agent_settings {
  std::string command = "claude";
  std::filesystem::path workdir;  // absolute; default <data_dir>/workdir
  std::optional<std::string> model;
  std::vector<std::string> extra_args;
};

/// Session keeping (`inbound.reply.session`).
struct session_settings {
  session_scope scope = session_scope::per_sender;
  int idle_minutes = 30;
  std::vector<std::string> reset_triggers{"/new", "/reset"};
};

/// Automatic replies (`inbound.reply`).
struct reply_settings {
  bool enabled = true;
  int timeout_seconds = 600;
  int typing_interval_seconds = 8;
  /// Quiet time after the last message queued behind a run before the
  /// one "queued" notice (`queueNoticeMs`).
  int queue_notice_ms = 1500;
  session_settings session;
};

/// Logging (`logging`); `level` is one of trace|debug|info|warn|error|off.
struct logging_settings {
  std::string level = "info";
  std::optional<std::filesystem::path> file;  // absolute when set
};

/// One operator-supplied secret pattern
/// (`security.secretFilter.additionalPatterns[i]`). The regex is compiled
/// (and rejected if bad) by the redactor, not by the loader.
struct user_pattern_settings {
  std::string id;       // [a-z0-9_]{1,64}, unique
  std::string pattern;  // non-empty Hyperscan regex
};

/// The redactor's configuration (`security.secretFilter`).
struct secret_filter_settings {
  std::vector<user_pattern_settings> additional_patterns;
  bool entropy_enabled = true;       // entropyDetection.enabled
  double entropy_threshold = 4.5;    // entropyDetection.threshold, bits/char
  int entropy_min_length = 32;       // entropyDetection.minLength
};

/// `security.profile` (core/security_profile.hpp).
using telclaude::security_profile;

/// A pair of fixed-window limits (`{"perMinute": N, "perHour": M}`);
/// both positive, per_minute <= per_hour.
struct rate_limit {
  int per_minute = 0;
  int per_hour = 0;

  friend bool operator==(const rate_limit&, const rate_limit&) = default;
};

/// One user's entry in `security.permissions.users["tg:<id>"]`.
struct user_permission {
  telclaude::tier tier = telclaude::tier::read_only;
  std::optional<rate_limit> limit;  // rateLimit: replaces perUser for them
};

/// Who may do what (`security.permissions`).
struct permissions_settings {
  /// The tier of a linked user without an entry in `users`; never
  /// FULL_ACCESS (refused at load).
  telclaude::tier default_tier = telclaude::tier::read_only;
  std::map<std::int64_t, user_permission> users;  // Telegram user id -> entry

  /// The configured tier of `user_id`, else default_tier.
  telclaude::tier tier_of(std::int64_t user_id) const {
    auto it = users.find(user_id);
    return it == users.end() ? default_tier : it->second.tier;
  }
};

/// Request limits (`security.rateLimits`); defaults from the reference
/// config.
struct rate_limits_settings {
  rate_limit global{100, 1000};
  rate_limit per_user{10, 60};
  rate_limit read_only{20, 200};    // perTier.READ_ONLY
  rate_limit write_safe{10, 100};   // perTier.WRITE_SAFE
  rate_limit full_access{5, 30};    // perTier.FULL_ACCESS

  /// The perTier entry of `t`.
  const rate_limit& for_tier(telclaude::tier t) const noexcept {
    switch (t) {
    case telclaude::tier::write_safe:
      return write_safe;
    case telclaude::tier::full_access:
      return full_access;
    case telclaude::tier::read_only:
      break;
    }
    return read_only;
  }
};

/// The audit trail (`security.audit`).
struct audit_settings {
  bool enabled = true;
  std::filesystem::path log_file;  // JSONL; absolute; default <data_dir>/audit.log
};

/// Two-factor authentication (`security.totp`); the secrets live in the
/// TOTP daemon, reached over `socket_path`.
struct totp_settings {
  /// How long a verified code keeps the 2FA session open.
  int session_ttl_minutes = 240;  // sessionTtlMinutes: 1 to 10080 (a week)
  /// Whether `/skip-totp` may open a session without a code.
  bool allow_skip = false;        // allowSkip
  /// TELCLAUDE_TOTP_SOCKET, else `<data dir>/totp.sock` (not in the file:
  /// the daemon and the relay must agree, so both read the environment).
  std::filesystem::path socket_path;
};

/// What the observer answers while its circuit breaker is open or a
/// classification fails (`security.observer.fallbackOnTimeout`).
enum class observer_fallback {
  block,    // refuse the request
  allow,    // let it through unclassified
  approve,  // hold it for the admin's approval
};

/// `security.observer.circuitBreaker`.
struct circuit_breaker_settings {
  int failure_threshold = 5;  // consecutive failures that open it
  int reset_ms = 30000;       // how long it stays open before a probe
};

/// The security observer (`security.observer`): fast path, then a small
/// model; used by the `strict` profile.
struct observer_settings {
  bool enabled = true;
  std::string model = "claude-haiku-4-5";  // model
  int max_latency_ms = 20000;              // maxLatencyMs
  double danger_threshold = 0.7;           // dangerThreshold, 0..1
  observer_fallback fallback_on_timeout = observer_fallback::block;
  circuit_breaker_settings circuit_breaker;
};

/// `security`.
struct security_settings {
  security_profile profile = security_profile::simple;
  secret_filter_settings secret_filter;
  permissions_settings permissions;
  rate_limits_settings rate_limits;
  audit_settings audit;
  totp_settings totp;
  observer_settings observer;
};

/// The agent's way out (`sandbox.network`): an egress proxy run by the
/// relay is its only route.
struct sandbox_network_settings {
  /// Names the proxy lets through (`*.example.com` matches subdomains).
  std::vector<std::string> allowed_domains{"api.anthropic.com"};
  /// `host:port` entries allowed even when private or loopback (never a
  /// cloud metadata endpoint).
  std::vector<std::string> allow_hosts;
};

/// Resource caps (`sandbox.limits`).
struct sandbox_limit_settings {
  int max_concurrent_agents = 4;    // maxConcurrentAgents, relay-wide
  int max_agents_per_user = 1;      // maxAgentsPerUser
  int min_spawn_interval_ms = 200;  // minSpawnIntervalMs between starts
  std::int64_t max_memory_mb = 0;   // maxMemoryMb (address space); 0: none
  /// Memory the whole sandbox may use (memory cgroup), MiB; 0: none.
  std::int64_t max_sandbox_memory_mb = 2048;  // maxSandboxMemoryMb
  int max_processes = 256;          // maxProcesses in one sandbox
  int max_open_files = 1024;        // maxOpenFiles per process
  int max_cpu_seconds = 600;        // maxCpuSeconds per process
};

/// The agent's sandbox (`sandbox`).
struct sandbox_settings {
  /// Extra file shapes kept read-only inside writable paths (globs such as
  /// `*.sqlite` or `secrets/*`), on top of the built-in ones.
  std::vector<std::string> deny_write;
  /// Extra environment variable names passed to the agent (`env.allow`).
  std::vector<std::string> env_allow;
  sandbox_network_settings network;
  sandbox_limit_settings limits;
};

/// The whole validated configuration.
struct settings {
  telegram_settings telegram;
  agent_settings agent;
  reply_settings reply;  // inbound.reply
  logging_settings logging;
  security_settings security;
  sandbox_settings sandbox;
  std::filesystem::path data_dir;     // TELCLAUDE_DATA_DIR or ~/.telclaude
  std::filesystem::path config_path;  // the file read; empty from text
};

} // namespace telclaude::config
