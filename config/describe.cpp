#include "config/loader.hpp"

#include <sstream>

namespace telclaude::config {

namespace {

/// The bot id (the part before ':', public: it is the bot's user id) and
/// stars; never the secret part.
std::string masked_token(const std::string& token) {
  auto colon = token.find(':');
  if (colon == std::string::npos)
    return "*** (not shown)";
  return token.substr(0, colon) + ":*** (secret not shown)";
}

template <class Range>
std::string joined(const Range& items, std::string_view none) {
  std::ostringstream out;
  bool first = true;
  for (const auto& item : items) {
    out << (first ? "" : " ") << item;
    first = false;
  }
  return first ? std::string{none} : out.str();
}

std::string limit_text(const rate_limit& limit) {
  return std::to_string(limit.per_minute) + "/min, "
       + std::to_string(limit.per_hour) + "/h";
}

/// "tg:1 WRITE_SAFE (20/min, 100/h), tg:2 READ_ONLY" or "(none)".
std::string users_text(const permissions_settings& permissions) {
  std::string out;
  for (const auto& [id, user] : permissions.users) {
    out += (out.empty() ? "" : ", ") + std::string{"tg:"} + std::to_string(id)
         + " " + std::string{to_string(user.tier)};
    if (user.limit)
      out += " (" + limit_text(*user.limit) + ")";
  }
  return out.empty() ? std::string{"(none)"} : out;
}

} // namespace

std::string describe(const settings& s) {
  const auto& t = s.telegram;
  const auto& r = t.reconnect;
  const auto& reply = s.reply;
  const auto& sec = s.security;
  const auto& filter = sec.secret_filter;
  const auto& limits = sec.rate_limits;
  std::vector<std::string> pattern_ids;
  for (const auto& pattern : filter.additional_patterns)
    pattern_ids.push_back(pattern.id);

  std::ostringstream out;
  out << "config file:    "
      << (s.config_path.empty() ? "(none)" : s.config_path.string()) << "\n"
      << "data dir:       " << s.data_dir.string() << "\n"
      << "telegram\n"
      << "  bot token:    " << masked_token(t.bot_token) << "\n"
      << "  api base url: " << t.api_base_url << "\n"
      << "  allowed chats: " << joined(t.allowed_chats, "(none)") << "\n"
      << "  polling:      timeout " << t.polling.timeout << " s, limit "
      << t.polling.limit << "\n"
      << "  reconnect:    " << r.initial_ms << " ms to " << r.max_ms
      << " ms, factor " << r.factor << ", jitter " << r.jitter << ", "
      << (r.max_attempts == 0 ? std::string{"unlimited attempts"}
                              : std::to_string(r.max_attempts) + " attempts")
      << "\n"
      << "agent\n"
      << "  command:      " << s.agent.command << "\n"
      << "  workdir:      " << s.agent.workdir.string() << "\n"
      << "  model:        " << s.agent.model.value_or("(CLI default)") << "\n"
      << "  extra args:   " << joined(s.agent.extra_args, "(none)") << "\n"
      << "replies:        " << (reply.enabled ? "on" : "off") << ", timeout "
      << reply.timeout_seconds << " s, typing every "
      << reply.typing_interval_seconds << " s\n"
      << "  session:      "
      << (reply.session.scope == session_scope::global ? "global"
                                                       : "per-sender")
      << ", idle " << reply.session.idle_minutes << " min, reset by "
      << joined(reply.session.reset_triggers, "(nothing)") << "\n"
      << "logging:        " << s.logging.level << ", to "
      << (s.logging.file ? s.logging.file->string() : "stderr") << "\n"
      << "secret filter:  extra patterns "
      << joined(pattern_ids, "(none)") << "; entropy "
      << (filter.entropy_enabled ? "on" : "off") << " (threshold "
      << filter.entropy_threshold << ", min length "
      << filter.entropy_min_length << ")\n"
      << "security:       profile " << to_string(sec.profile)
      << (sec.profile == security_profile::test ? " (NO SECURITY)" : "")
      << "\n"
      << "  default tier: " << to_string(sec.permissions.default_tier) << "\n"
      << "  users:        " << users_text(sec.permissions) << "\n"
      << "  rate limits:  global " << limit_text(limits.global)
      << "; per user " << limit_text(limits.per_user) << "\n"
      << "  per tier:     READ_ONLY " << limit_text(limits.read_only)
      << "; WRITE_SAFE " << limit_text(limits.write_safe)
      << "; FULL_ACCESS " << limit_text(limits.full_access) << "\n"
      << "  audit:        "
      << (sec.audit.enabled ? "on, to " + sec.audit.log_file.string()
                            : std::string{"off"})
      << "\n";
  return out.str();
}

} // namespace telclaude::config
