#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "actors/supervisor.hpp"
#include "app/commands.hpp"
#include "app/logging.hpp"
#include "config/environment.hpp"
#include "config/loader.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "testing/bot_api_html.hpp"
#include "testing/loopback_bot_api.hpp"

namespace telclaude::app {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t demo_chat = 4242;

/// The scripted agent is built next to this binary.
fs::path scripted_agent_path() {
  auto self = fs::read_symlink("/proc/self/exe");
  auto path = self.parent_path() / "telclaude-scripted-agent";
  if (!fs::exists(path))
    throw user_error("demo.agent_missing",
                     "the demo needs telclaude-scripted-agent next to "
                       + self.string() + "; build the whole project (make run)");
  return path;
}

/// A user's line and what the bot answered, as the user sees it.
class conversation_player {
public:
  conversation_player(testing::loopback_bot_api& api) : api_(api) {
  }

  void say(const std::string& text) {
    std::cout << "\n  you ▸ " << text << "\n" << std::flush;
    api_.post_message(demo_chat, demo_chat, text);
    show_reply();
  }

  void send_photo() {
    std::cout << "\n  you ▸ [a photo]\n" << std::flush;
    api_.post_non_text(demo_chat, demo_chat, "photo");
    show_reply();
  }

private:
  void show_reply() {
    using namespace std::chrono_literals;
    auto want = seen_ + 1;
    auto msgs = api_.wait_for_messages(demo_chat, want, 30s);
    if (msgs.size() < want) {
      std::cout << "  bot ◂ (no answer within 30 s)\n";
      return;
    }
    // A reply streams into a preview that is edited into the final text,
    // and a long one goes on in more messages, paced about one a second:
    // show it once no preview is left and nothing changed for 1.5 s.
    auto same = [](const std::vector<testing::bot_message>& a,
                   const std::vector<testing::bot_message>& b) {
      if (a.size() != b.size())
        return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].text != b[i].text || a[i].is_preview() != b[i].is_preview())
          return false;
      return true;
    };
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    auto changed_at = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      auto now_msgs = api_.messages(demo_chat);
      auto now = std::chrono::steady_clock::now();
      if (!same(now_msgs, msgs)) {
        msgs = std::move(now_msgs);
        changed_at = now;
        continue;
      }
      bool streaming = std::any_of(
        msgs.begin() + seen_, msgs.end(),
        [](const testing::bot_message& m) { return m.is_preview(); });
      if (!streaming && now - changed_at >= 1500ms)
        break;
    }
    for (; seen_ < msgs.size(); ++seen_) {
      std::string text = msgs[seen_].text;
      if (msgs[seen_].parse_mode == "HTML")
        text = testing::parse_html(text).plain;
      if (text.size() > 500) {
        auto chars = text.size();
        text.resize(160);
        text += "… [" + std::to_string(chars) + " characters in this message]";
      }
      std::string indented;
      for (char c : text) {
        indented += c;
        if (c == '\n')
          indented += "        ";
      }
      std::cout << "  bot ◂ " << indented << "\n";
    }
  }

  testing::loopback_bot_api& api_;
  std::size_t seen_ = 0;
};

} // namespace

void add_demo_command(CLI::App& app) {
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
    "demo", "A self-contained local demo: the relay against a loopback Bot "
            "API and a scripted agent, in a temporary data dir");
  cmd->add_flag("-v,--verbose", *verbose, "Show the relay's log");
  cmd->callback([verbose] {
    auto agent = scripted_agent_path();
    char tmpl[] = "/tmp/telclaude-demo-XXXXXX";
    if (!::mkdtemp(tmpl))
      throw user_error("demo.tmp", "cannot create a temporary directory");
    fs::path data_dir{tmpl};
    testing::loopback_bot_api api;
    nlohmann::json doc = {
      {"telegram",
       {{"botToken", api.token()},
        {"apiBaseUrl", api.base_url()},
        {"allowedChats", {demo_chat}},
        {"polling", {{"timeout", 10}}}}},
      {"agent", {{"command", agent.string()}}},
      {"logging", {{"level", *verbose ? "debug" : "warn"}}}};
    config::map_environment env;
    env.set("TELCLAUDE_DATA_DIR", data_dir.string());
    if (auto home = config::process_environment{}.get("HOME"))
      env.set("HOME", *home);
    auto settings = config::parse(doc.dump(), env, data_dir / "demo.json");
    configure_logging(settings.logging.level, std::nullopt);
    auto plan = plan_relay(settings);
    configure_logging(settings.logging.level, std::nullopt,
                      plan.agent->engine);

    std::cout << "telclaude demo: no bot token is configured, so this runs "
                 "the relay against a\nloopback Telegram Bot API and a "
                 "scripted agent (sandboxed with bwrap, like the real\n"
                 "`claude`). Data dir: "
              << data_dir.string() << "\n";
    {
      // The demo user is linked as WRITE_SAFE, as `telclaude link` and
      // `/link <code>` would do.
      auto db = storage::database::open(plan.database_file);
      storage::identity_links{db}.upsert(
        {demo_chat, "WRITE_SAFE", 0, "demo"});
    }
    int rc = 0;
    {
      supervisor sup{std::move(plan)};
      sup.start();
      conversation_player chat{api};
      chat.say("/whoami");
      chat.say("Hello! Can you hear me?");
      chat.say("Do you remember what I said? (this turn resumes the session)");
      chat.say("Check the .env file for keys [[leak]]");
      chat.say("/new");
      chat.say("Is this a fresh conversation?");
      chat.send_photo();
      chat.say("Write something long (split into Telegram-sized messages) [[long 7000]]");
      sup.stop();
      if (sup.failed())
        rc = 1;
    }
    std::cout << "\nThe key the agent printed was split across several "
                 "output events and never\nreached the chat: the redactor "
                 "replaced it. To talk to your own bot, put a\ntoken and "
                 "your chat id in ~/.telclaude/telclaude.json (see "
                 "docs/configuration.md)\nand run `telclaude relay`.\n";
    std::error_code ec;
    fs::remove_all(data_dir, ec);
    throw exit_request{rc};
  });
}

} // namespace telclaude::app
