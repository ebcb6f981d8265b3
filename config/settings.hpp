#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
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

/// `security`; later issues add profiles, permissions, rate limits, ...
struct security_settings {
  secret_filter_settings secret_filter;
};

/// The whole validated configuration.
struct settings {
  telegram_settings telegram;
  agent_settings agent;
  reply_settings reply;  // inbound.reply
  logging_settings logging;
  security_settings security;
  std::filesystem::path data_dir;     // TELCLAUDE_DATA_DIR or ~/.telclaude
  std::filesystem::path config_path;  // the file read; empty from text
};

} // namespace telclaude::config
