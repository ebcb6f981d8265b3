#include "app/admin_cli.hpp"

#include <charconv>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>

#include "app/relay_runner.hpp"
#include "config/environment.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace telclaude::app {

namespace {

std::unique_ptr<storage::audit_file>
open_audit_file(const config::settings& settings) {
  if (!settings.security.audit.enabled)
    return nullptr;
  return std::make_unique<storage::audit_file>(
    settings.security.audit.log_file);
}

/// Code points in UTF-8 `text`: bytes that do not continue a sequence.
std::size_t width(const std::string& text) {
  return static_cast<std::size_t>(
    std::count_if(text.begin(), text.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

} // namespace

config::settings load_admin_settings(const std::optional<std::string>& flag) {
  config::process_environment env;
  bool named = (flag && !flag->empty()) || env.get("TELCLAUDE_CONFIG");
  try {
    return load_settings(flag);
  } catch (const user_error& e) {
    if (named || e.code() != "config.not_found")
      throw;
  }
  config::settings defaults;
  defaults.data_dir = config::resolve_data_dir(env);
  defaults.security.audit.log_file = defaults.data_dir / "audit.log";
  defaults.security.totp.socket_path =
    config::resolve_totp_socket(env, defaults.data_dir);
  return defaults;
}

std::filesystem::path database_file(const std::filesystem::path& data_dir) {
  return data_dir / "telclaude.db";
}

admin_store::admin_store(const config::settings& settings)
  : file_(open_audit_file(settings)),
    db_(storage::database::open(database_file(settings.data_dir))) {
}

void admin_store::audit(storage::audit_record record) {
  if (!file_)
    return;
  record.time_ms = to_unix_ms(system_clock::instance().now());
  storage::audit_log{db_}.append(record);
  file_->append(record);
}

std::string iso_utc(long long unix_ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds{unix_ms}};
  auto day = floor<days>(t);
  year_month_day date{day};
  hh_mm_ss time{floor<seconds>(t - day)};
  char text[64];  // room for any value the compiler cannot rule out
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ",
                static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()),
                static_cast<long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return text;
}

std::string user_key(std::int64_t user_id) {
  return "tg:" + std::to_string(user_id);
}

void print_table(std::ostream& out,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line.append(widths[i] - width(row[i]) + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

std::int64_t parse_user(const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return user_error("link.bad_user",
                      where + ": " + why
                        + "; expected tg:<Telegram user id>, a positive "
                          "integer without leading zero, e.g. tg:123456789");
  };
  if (!text.starts_with("tg:"))
    throw bad("\"" + text + "\" does not start with tg:");
  auto digits = std::string_view{text}.substr(3);
  if (digits.empty())
    throw bad("no user id after tg:");
  if (digits.front() == '-')
    throw bad("a user id is positive, got " + std::string{digits});
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                   id);
  bool whole = end == digits.data() + digits.size();
  if (!whole || (ec != std::errc{} && ec != std::errc::result_out_of_range))
    throw bad("\"" + std::string{digits} + "\" is not a number");
  if (ec == std::errc::result_out_of_range)
    throw bad(std::string{digits} + " is too large for a user id");
  if (id == 0)
    throw bad("0 is not a user id");
  if (digits.front() == '0')
    throw bad("\"" + std::string{digits} + "\" has a leading zero");
  return id;
}

} // namespace telclaude::app
