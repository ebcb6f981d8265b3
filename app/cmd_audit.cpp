#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/admin_cli.hpp"
#include "app/commands.hpp"
#include "config/environment.hpp"
#include "core/error.hpp"
#include "storage/audit_log.hpp"

namespace telclaude::app {

namespace {

constexpr long long max_tail = 100'000;

/// `text` fit for one table cell: control characters (C0, DEL, C1, which
/// a terminal could take for escape sequences) become spaces, and text
/// past `limit` code points is cut, ending in "…".
std::string cell(const std::string& text, std::size_t limit) {
  std::string out;
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool continuation = (c & 0xC0) == 0x80;
    if (!continuation && ++points > limit) {
      out += "…";
      break;
    }
    auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1])
                                    : 0u;
    if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      out += ' ';
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string duration(const std::optional<std::int64_t>& ms) {
  if (!ms)
    return "-";
  if (*ms < 1000)
    return std::to_string(*ms) + "ms";
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(*ms) / 1000);
  return text;
}

std::string cost(const std::optional<double>& usd) {
  if (!usd)
    return "-";
  char text[32];
  std::snprintf(text, sizeof text, "$%.4f", *usd);
  return text;
}

void print_records(const std::vector<storage::audit_record>& records) {
  std::vector<std::vector<std::string>> rows{
    {"time", "chat", "user", "tier", "event", "verdict", "reason",
     "duration", "cost", "excerpt"}};
  for (const auto& r : records)
    rows.push_back({iso_utc(r.time_ms),
                    r.chat_id ? std::to_string(*r.chat_id) : "-",
                    r.user_id ? user_key(*r.user_id) : "-",
                    r.tier ? cell(*r.tier, 12) : "-", cell(r.event, 16),
                    cell(r.verdict, 16), cell(r.reason, 60),
                    duration(r.duration_ms), cost(r.cost_usd),
                    cell(r.excerpt, 60)});
  print_table(std::cout, rows);
}

void show(long long tail, bool json) {
  if (tail < 1 || tail > max_tail)
    throw user_error("audit.tail",
                     "--tail: expected a number of records from 1 to "
                       + std::to_string(max_tail) + ", got "
                       + std::to_string(tail));
  config::process_environment env;
  auto data_dir = config::resolve_data_dir(env);
  auto file = database_file(data_dir);
  if (!std::filesystem::exists(file)) {
    (json ? std::cerr : std::cout)
      << "No audit records: no relay data in " << data_dir.string()
      << " yet (or set TELCLAUDE_DATA_DIR).\n";
    return;
  }
  auto db = storage::database::open_read_only(file);
  auto records = storage::audit_log{db}.tail(static_cast<std::size_t>(tail));
  if (json) {
    for (const auto& r : records)
      std::cout << storage::to_json_line(r) << "\n";
    return;
  }
  if (records.empty()) {
    std::cout << "No audit records in " << file.string() << ".\n";
    return;
  }
  print_records(records);
}

} // namespace

void add_audit_command(CLI::App& app) {
  struct opts {
    long long tail = 20;
    bool json = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand(
    "audit", "Show the last audit records, oldest first (safe while the "
             "relay runs)");
  cmd->add_option("--tail", o->tail,
                  "How many records (1 to 100000)")
    ->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object per line");
  cmd->callback([o] { show(o->tail, o->json); });
}

} // namespace telclaude::app
