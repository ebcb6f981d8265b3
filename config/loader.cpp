#include "config/loader.hpp"

#include "config/json_reader.hpp"
#include "config/json_syntax.hpp"
#include "config/sandbox_reader.hpp"
#include "config/security_reader.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace telclaude::config {

namespace {

constexpr std::string_view token_variable = "TELEGRAM_BOT_TOKEN";
constexpr std::string_view level_variable = "TELCLAUDE_LOG_LEVEL";

const std::vector<std::string_view> log_levels{"trace", "debug", "info",
                                               "warn",  "error", "off"};

using context = read_context;

/// `<digits>:<secret>`. BotFather issues 8-10 digits and a 35-character
/// secret; any lengths are accepted so tests and fakes can use "123:ABC".
bool looks_like_bot_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 20
      || colon + 1 == token.size() || token.size() > 200)
    return false;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_secret = [&](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || c == '_' || c == '-';
  };
  return std::all_of(token.begin(), token.begin() + colon, is_digit)
      && std::all_of(token.begin() + colon + 1, token.end(), is_secret);
}

bool is_http_url(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"})
    if (url.starts_with(scheme) && url.size() > scheme.size())
      return url.find_first_of(" \t\r\n") == std::string_view::npos;
  return false;
}

void read_polling(json_object in, polling_settings& out) {
  in.read("timeout", out.timeout, 0, 50);
  in.read("limit", out.limit, 1, 100);
  in.finish();
}

void read_reconnect(json_object in, reconnect_settings& out) {
  in.read("initialMs", out.initial_ms, 1);
  in.read("maxMs", out.max_ms, 1);
  in.read("factor", out.factor, 1.0);
  in.read("jitter", out.jitter, 0.0, 1.0);
  in.read("maxAttempts", out.max_attempts, 0);
  in.finish();
  if (out.initial_ms > out.max_ms)
    throw user_error("config.invalid",
                     in.child_path("maxMs") + ": must be at least initialMs ("
                       + std::to_string(out.initial_ms) + "), got "
                       + std::to_string(out.max_ms));
}

std::vector<std::int64_t> read_chats(const json_node& node) {
  std::vector<std::int64_t> chats;
  auto elements = node.array();
  for (const auto& element : elements) {
    auto id = element.integer(std::numeric_limits<std::int64_t>::min(),
                              std::numeric_limits<std::int64_t>::max());
    if (id == 0)
      element.fail("config.range", "0 is not a chat id");
    auto seen = std::find(chats.begin(), chats.end(), id);
    if (seen != chats.end())
      element.fail("config.invalid",
                   "duplicate chat id " + std::to_string(id) + " (also at "
                     + elements[seen - chats.begin()].path() + ")");
    chats.push_back(id);
  }
  if (chats.empty())
    node.fail("config.missing",
              "empty; list the chat ids allowed to use the bot");
  return chats;
}

void read_telegram(json_object in, telegram_settings& out) {
  if (auto token = in.find("botToken"))
    out.bot_token = token->concealed().string();
  if (auto url = in.find("apiBaseUrl")) {
    out.api_base_url = url->string();
    if (!is_http_url(out.api_base_url))
      url->expected("an http:// or https:// URL", "config.invalid");
    while (out.api_base_url.ends_with('/'))
      out.api_base_url.pop_back();
  }
  if (auto chats = in.require("allowedChats",
                              "list the chat ids allowed to use the bot"))
    out.allowed_chats = read_chats(*chats);
  read_polling(in.object("polling"), out.polling);
  read_reconnect(in.object("reconnect"), out.reconnect);
  in.finish();
}

void read_agent(json_object in, agent_settings& out, const context& ctx) {
  if (auto command = in.find("command")) {
    out.command = command->string();
    if (out.command.find('/') != std::string::npos || out.command[0] == '~')
      out.command = resolve_path(*command, ctx).string();
  }
  if (auto workdir = in.find("workdir"))
    out.workdir = resolve_path(*workdir, ctx);
  in.read("model", out.model);
  in.read("extraArgs", out.extra_args);
  in.finish();
}

void read_session(json_object in, session_settings& out) {
  if (auto scope = in.find("scope"))
    out.scope = scope->choice<session_scope>(
      {{"per-sender", session_scope::per_sender},
       {"global", session_scope::global}});
  in.read("idleMinutes", out.idle_minutes, 1);
  if (auto triggers = in.find("resetTriggers")) {
    out.reset_triggers.clear();
    for (const auto& trigger : triggers->array()) {
      auto text = trigger.string();
      if (text.size() < 2 || text[0] != '/'
          || text.find_first_of(" \t\r\n") != std::string::npos)
        trigger.expected("a command such as \"/new\"", "config.invalid");
      out.reset_triggers.push_back(std::move(text));
    }
  }
  in.finish();
}

void read_reply(json_object in, reply_settings& out) {
  in.read("enabled", out.enabled);
  in.read("timeoutSeconds", out.timeout_seconds, 1);
  in.read("typingIntervalSeconds", out.typing_interval_seconds, 1, 60);
  in.read("queueNoticeMs", out.queue_notice_ms, 0, 60000);
  read_session(in.object("session"), out.session);
  in.finish();
}

void read_inbound(json_object in, reply_settings& out) {
  read_reply(in.object("reply"), out);
  in.finish();
}

void read_logging(json_object in, logging_settings& out, const context& ctx) {
  if (auto level = in.find("level"))
    out.level = level->one_of(log_levels);
  if (auto file = in.find("file"))
    out.file = file->is_null()
               ? std::nullopt
               : std::optional<std::filesystem::path>{resolve_path(*file, ctx)};
  in.finish();
}

/// TELEGRAM_BOT_TOKEN and TELCLAUDE_LOG_LEVEL win over the file.
void apply_environment(settings& s, const environment& env) {
  std::string token_source = "telegram.botToken";
  if (auto token = env.get(std::string{token_variable})) {
    s.telegram.bot_token = *token;
    token_source = token_variable;
  }
  if (s.telegram.bot_token.empty())
    throw user_error("config.missing",
                     "telegram.botToken: missing; set TELEGRAM_BOT_TOKEN or "
                     "telegram.botToken to the token from @BotFather");
  if (!looks_like_bot_token(s.telegram.bot_token))
    throw user_error("config.invalid",
                     token_source
                       + ": not a bot token (expected <digits>:<letters, "
                         "digits, _ or -> as issued by @BotFather); the "
                         "value is not shown");
  if (auto level = env.get(std::string{level_variable})) {
    if (std::find(log_levels.begin(), log_levels.end(), *level)
        == log_levels.end())
      throw user_error("config.range",
                       std::string{level_variable} + ": "
                         + expected_one_of(log_levels, *level,
                                           "\"" + *level + "\""));
    s.logging.level = *level;
  }
}

[[noreturn]] void throw_syntax_error(std::string_view json,
                                     const std::filesystem::path& origin,
                                     simdjson::error_code error) {
  std::string where = origin.empty() ? std::string{"config"} : origin.string();
  if (auto spot = locate_syntax_error(json))
    throw user_error("config.syntax",
                     where + ":" + std::to_string(spot->line) + ":"
                       + std::to_string(spot->column)
                       + ": invalid JSON: " + spot->problem);
  throw user_error("config.syntax", where + ": invalid JSON: "
                                      + simdjson::error_message(error));
}

} // namespace

std::filesystem::path resolve_path(const json_node& node,
                                  const read_context& ctx) {
  auto path = expand_home(node.string(), ctx.env, node.path());
  if (path.is_relative() && !ctx.base_dir.empty())
    path = ctx.base_dir / path;
  return path.lexically_normal();
}

settings parse(std::string_view json, const environment& env,
               const std::filesystem::path& origin) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (auto error = parser.parse(json.data(), json.size()).get(document))
    throw_syntax_error(json, origin, error);

  settings s;
  s.config_path = origin;
  s.data_dir = resolve_data_dir(env);
  context ctx{env,
              origin.empty() ? std::filesystem::path{} : origin.parent_path(),
              s.data_dir};

  // Taking every section first lets a misspelt section name be reported
  // as such rather than as the settings it was meant to hold.
  auto top = json_node{document, ""}.object();
  auto telegram = top.object("telegram");
  auto agent = top.object("agent");
  auto inbound = top.object("inbound");
  auto logging = top.object("logging");
  auto security = top.object("security");
  auto sandbox = top.object("sandbox");
  top.finish();

  read_telegram(std::move(telegram), s.telegram);
  read_agent(std::move(agent), s.agent, ctx);
  read_inbound(std::move(inbound), s.reply);
  read_logging(std::move(logging), s.logging, ctx);
  read_security(std::move(security), s.security, ctx);
  read_sandbox(std::move(sandbox), s.sandbox);
  if (s.agent.workdir.empty())
    s.agent.workdir = s.data_dir / "workdir";
  apply_environment(s, env);
  return s;
}

settings load(const std::filesystem::path& file, const environment& env) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(file, ec);
  if (ec)
    absolute = file;
  if (!std::filesystem::exists(absolute, ec))
    throw user_error("config.not_found",
                     absolute.string()
                       + ": no config file here; create it (see "
                         "docs/configuration.md) or pass --config FILE");
  if (std::filesystem::is_directory(absolute, ec))
    throw user_error("config.unreadable",
                     absolute.string() + ": is a directory, not a file");
  std::ifstream in{absolute, std::ios::binary};
  if (!in)
    throw user_error("config.unreadable",
                     absolute.string() + ": cannot read: "
                       + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw user_error("config.unreadable",
                     absolute.string() + ": read failed: "
                       + std::strerror(errno));
  return parse(text.str(), env, absolute);
}

} // namespace telclaude::config
