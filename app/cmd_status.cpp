#include <ctime>
#include <iomanip>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "config/environment.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/agent_sessions.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/inbox.hpp"
#include "storage/relay_state.hpp"

namespace telclaude::app {

namespace {

std::string iso_time(long long unix_ms) {
  if (unix_ms <= 0)
    return "never";
  std::time_t t = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

long long to_ll(const std::optional<std::string>& v) {
  try {
    return v ? std::stoll(*v) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace

void add_status_command(CLI::App& app) {
  auto json_out = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
    "status", "Show conversations, inbox backlog and the last poll (safe "
              "while the relay runs)");
  cmd->add_flag("--json", *json_out, "Machine-readable output");
  cmd->callback([json_out] {
    config::process_environment env;
    auto data_dir = config::resolve_data_dir(env);
    auto file = data_dir / "telclaude.db";
    if (!std::filesystem::exists(file)) {
      if (*json_out)
        std::cout << nlohmann::json{{"data_dir", data_dir.string()},
                                    {"database", nullptr}}
                  << "\n";
      else
        std::cout << "No relay data in " << data_dir.string()
                  << " yet: run `telclaude relay` first (or set "
                     "TELCLAUDE_DATA_DIR).\n";
      return;
    }
    auto db = storage::database::open_read_only(file);
    storage::inbox inbox{db};
    storage::agent_sessions sessions{db};
    storage::relay_state relay{db};
    auto list = sessions.list();
    auto backlog = inbox.pending_count();
    auto last_poll = to_ll(relay.get("poll.last_ms"));
    // The security observer's counters (strict profile), from the audit
    // trail: classifications and breaker transitions of the last 24 h.
    storage::audit_log audit{db};
    const long long day_ago =
      to_unix_ms(system_clock::instance().now()) - 24LL * 3600 * 1000;
    auto observer = audit.verdict_counts("observer", day_ago);
    auto breaker = audit.last_with("observer", "breaker_");
    auto offset = to_ll(relay.get("poll.offset"));
    if (*json_out) {
      nlohmann::json j;
      j["data_dir"] = data_dir.string();
      j["database"] = file.string();
      j["inbox_backlog"] = backlog;
      j["last_poll"] = last_poll > 0 ? nlohmann::json(iso_time(last_poll))
                                     : nlohmann::json(nullptr);
      j["offset"] = offset;
      j["observer_24h"] = nlohmann::json::object();
      for (auto& [verdict, n] : observer)
        j["observer_24h"][verdict] = n;
      j["observer_breaker"] =
        breaker ? nlohmann::json{{"state", breaker->verdict.substr(8)},
                                 {"since", iso_time(breaker->time_ms)}}
                : nlohmann::json(nullptr);
      j["sessions"] = nlohmann::json::array();
      for (auto& s : list)
        j["sessions"].push_back(
          {{"key", s.key},
           {"chat_id", s.chat_id},
           {"agent_session_id", s.agent_session_id
                                  ? nlohmann::json(*s.agent_session_id)
                                  : nlohmann::json(nullptr)},
           {"turns", s.turns},
           {"last_activity", iso_time(s.last_activity_ms)}});
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::cout << "data dir:      " << data_dir.string() << "\n"
              << "last poll:     " << iso_time(last_poll) << " (offset "
              << offset << ")\n"
              << "inbox backlog: " << backlog << " update(s) not yet answered\n"
              << "sessions:      " << list.size() << "\n";
    if (!observer.empty() || breaker) {
      std::cout << "observer, 24 h:";
      for (auto& [verdict, n] : observer)
        std::cout << " " << verdict << " " << n;
      if (breaker)
        std::cout << "; breaker " << breaker->verdict.substr(8) << " since "
                  << iso_time(breaker->time_ms);
      std::cout << "\n";
    }
    for (auto& s : list)
      std::cout << "  " << std::left << std::setw(28) << s.key << " turns "
                << std::setw(5) << s.turns << " last "
                << iso_time(s.last_activity_ms)
                << (s.agent_session_id ? "  (resumable)" : "  (fresh)") << "\n";
  });
}

} // namespace telclaude::app
