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
    auto offset = to_ll(relay.get("poll.offset"));
    if (*json_out) {
      nlohmann::json j;
      j["data_dir"] = data_dir.string();
      j["database"] = file.string();
      j["inbox_backlog"] = backlog;
      j["last_poll"] = last_poll > 0 ? nlohmann::json(iso_time(last_poll))
                                     : nlohmann::json(nullptr);
      j["offset"] = offset;
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
    for (auto& s : list)
      std::cout << "  " << std::left << std::setw(28) << s.key << " turns "
                << std::setw(5) << s.turns << " last "
                << iso_time(s.last_activity_ms)
                << (s.agent_session_id ? "  (resumable)" : "  (fresh)") << "\n";
  });
}

} // namespace telclaude::app
