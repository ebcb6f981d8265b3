#define BOOST_TEST_MODULE streaming_e2e
#include <boost/test/unit_test.hpp>

// The chat while the agent works, end to end: the built relay, the
// loopback Bot API, the scripted agent under bwrap. A secret split across
// stream events (and one in a tool's input) never reaches Telegram in any
// message or edit; /stop and the Stop button interrupt a run at once and
// the queued messages then run; messages sent during a run are queued
// (one notice), none dropped, answered in order.

#include <thread>

#include "tests/e2e/relay_fixture.hpp"

using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// Whether a message shows `needle` now or did in any earlier edit.
bool shows(const bot_message& m, const std::string& needle) {
  if (m.text.find(needle) != std::string::npos)
    return true;
  for (const auto& e : m.edits)
    if (e.find(needle) != std::string::npos)
      return true;
  return false;
}

struct fixture : relay_fixture {
  fixture() {
    config["logging"]["file"] = (tmp.path() / "relay.log").string();
  }

  /// The relay log's last lines (for a failure's message).
  std::string log_tail(std::size_t lines = 80) {
    std::ifstream in{tmp.path() / "relay.log"};
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);)
      all.push_back(line);
    std::string out;
    for (auto i = all.size() > lines ? all.size() - lines : 0;
         i < all.size(); ++i)
      out += all[i] + "\n";
    return out;
  }

  /// Waits until a message to `chat` shows `needle`; its index, or fails.
  std::size_t await_text(std::int64_t chat, const std::string& needle,
                         std::chrono::milliseconds timeout = 30s) {
    auto until = clock_type::now() + timeout;
    while (true) {
      auto msgs = api.messages(chat);
      for (std::size_t i = 0; i < msgs.size(); ++i)
        if (shows(msgs[i], needle))
          return i;
      if (clock_type::now() > until)
        break;
      std::this_thread::sleep_for(50ms);
    }
    std::string seen;
    for (auto& m : api.messages(chat))
      seen += "  [" + m.text + "]\n";
    BOOST_FAIL("chat " << chat << ": nothing shows \"" << needle
                       << "\"; messages:\n"
                       << seen << "relay log:\n"
                       << log_tail());
    return 0;
  }

  /// The final texts of the bot's messages to `chat` starting with `prefix`.
  std::vector<std::string> texts_starting(std::int64_t chat,
                                          const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& m : api.messages(chat))
      if (m.text.rfind(prefix, 0) == 0)
        out.push_back(m.text);
    return out;
  }

  /// The first button of `chat`'s messages whose data starts with "stop:".
  std::optional<std::pair<std::int64_t, std::string>>
  stop_button(std::int64_t chat, std::chrono::milliseconds timeout = 15s) {
    auto until = clock_type::now() + timeout;
    do {
      for (auto& m : api.messages(chat)) {
        if (!m.reply_markup || !m.reply_markup->contains("inline_keyboard"))
          continue;
        for (auto& row : (*m.reply_markup)["inline_keyboard"])
          for (auto& b : row)
            if (b.contains("callback_data")
                && b["callback_data"].get<std::string>().rfind("stop:", 0)
                     == 0)
              return std::make_pair(m.message_id,
                                    b["callback_data"].get<std::string>());
      }
      std::this_thread::sleep_for(50ms);
    } while (clock_type::now() < until);
    return std::nullopt;
  }

  /// The text the bot answered the callback query `id` with.
  std::optional<std::string> callback_answer(
    const std::string& id, std::chrono::milliseconds timeout = 15s) {
    auto until = clock_type::now() + timeout;
    do {
      for (auto& c : api.calls("answerCallbackQuery"))
        if (c.params.value("callback_query_id", "") == id)
          return c.params.value("text", "");
      std::this_thread::sleep_for(50ms);
    } while (clock_type::now() < until);
    return std::nullopt;
  }

  /// Fails if any call to the Bot API carried 8 bytes of `secret` in a row.
  void never_sent(const std::string& secret, const char* what) {
    for (auto& call : api.calls()) {
      auto body = call.params.dump();
      for (std::size_t i = 0; i + 8 <= secret.size(); ++i)
        BOOST_REQUIRE_MESSAGE(body.find(secret.substr(i, 8))
                                == std::string::npos,
                              call.method << " carried part of " << what);
    }
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_streamed_secret_never_shows_in_any_edit, fixture) {
  start();
  api.post_message(1, 1,
                   "[[delta]] [[chunks Looking around first.]] [[leaktool]] "
                   "[[sleep 1.5]] [[leak]]");
  await_text(1, "That key should be rotated");
  auto msgs = api.messages(1);
  bool redacted = false;
  for (auto& m : msgs)
    redacted = redacted || shows(m, "[REDACTED:anthropic-api-key]");
  BOOST_TEST(redacted);
  // The key the scripted agent builds (turn 1), split across 16-byte
  // deltas, and the token in the Bash tool's input.
  std::string key = "sk-ant-api03-";
  for (int i = 0; i < 93; ++i)
    key += "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
      [(i * 37 + 11) % 57];
  key += "AA";
  std::string token = "ghp_";
  for (int i = 0; i < 36; ++i)
    token += "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
      [(i * 13 + 5) % 57];
  // Every message and edit the relay ever sent (successful or not).
  never_sent(key, "the key");
  never_sent(token, "the token in the tool's input");
  for (auto& m : msgs)
    for (auto& e : m.edits)
      BOOST_TEST(e.find("sk-ant-api03-") == std::string::npos);
  // The tool progress line, if the preview showed it, was redacted.
  bool progress = false;
  for (auto& call : api.calls())
    progress = progress
               || call.params.dump().find("Running: echo [REDACTED")
                    != std::string::npos;
  BOOST_WARN_MESSAGE(progress, "no preview showed the tool progress line");
}

BOOST_FIXTURE_TEST_CASE(stop_interrupts_a_run_and_the_queue_runs_next,
                        fixture) {
  start();
  api.post_message(2, 2, "[[sleep 60]] long job");
  await_turn_start(2);
  api.post_message(2, 2, "next one");
  api.post_command(2, 2, "/status");
  await_text(2, "Running: “[[sleep 60]] long job”");
  await_text(2, "1 message queued");
  auto asked = clock_type::now();
  api.post_command(2, 2, "/stop");
  await_text(2, "Stopping the current run; 1 queued message runs next.");
  await_text(2, "⏹ Stopped.");
  auto took = clock_type::now() - asked;
  BOOST_TEST_MESSAGE("stopped "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                          took)
                          .count()
                     << " ms after /stop");
  BOOST_TEST((took < 10s));
  // The interrupted session was kept: the queued message resumes it.
  await_text(2, "Echo #2: next one");
  // A /stop with nothing running says so.
  api.post_command(2, 2, "/stop");
  await_text(2, "Nothing is running.");
}

BOOST_FIXTURE_TEST_CASE(three_messages_during_a_run_all_run_in_order,
                        fixture) {
  start();
  api.post_message(3, 3, "[[sleep 5]] first");
  await_turn_start(3);
  api.post_message(3, 3, "two");
  api.post_message(3, 3, "three");
  auto last = api.post_message(3, 3, "four");
  auto notice = await_text(3, "3 messages are queued");
  await_text(3, "Echo #4: four", 60s);
  auto echoes = texts_starting(3, "Echo #");
  BOOST_TEST((echoes
              == std::vector<std::string>{"Echo #1: first", "Echo #2: two",
                                          "Echo #3: three",
                                          "Echo #4: four"}));
  // The notice came once, while the first ran.
  std::size_t notices = 0;
  for (auto& m : api.messages(3))
    notices += shows(m, "queued");
  BOOST_TEST(notices == 1u);
  BOOST_TEST(notice < api.messages(3).size());
  // Nothing dropped: every update was answered and confirmed.
  BOOST_TEST(api.wait_for_confirmed_offset(last + 1, 20s));
}

BOOST_FIXTURE_TEST_CASE(the_stop_button_stops_only_for_its_user, fixture) {
  start();
  api.post_message(4, 4, "[[chunks working on it]] [[sleep 60]] long job");
  await_turn_start(4);
  auto button = stop_button(4);
  BOOST_REQUIRE_MESSAGE(button, "no message in chat 4 has a Stop button");
  // Another user's press does not stop it.
  auto foreign = api.post_callback(4, 5, button->first, button->second);
  auto answer = callback_answer("cb-" + std::to_string(foreign));
  BOOST_REQUIRE(answer);
  BOOST_TEST(answer->find("not yours") != std::string::npos, *answer);
  // The run's own user's press does, at once.
  auto asked = clock_type::now();
  auto own = api.post_callback(4, 4, button->first, button->second);
  answer = callback_answer("cb-" + std::to_string(own));
  BOOST_REQUIRE(answer);
  BOOST_TEST(*answer == "Stopping…");
  await_text(4, "⏹ Stopped.");
  BOOST_TEST((clock_type::now() - asked < 10s));
  // Pressed again after the run ended: a clear answer, nothing else.
  auto late = api.post_callback(4, 4, button->first, button->second);
  answer = callback_answer("cb-" + std::to_string(late));
  BOOST_REQUIRE(answer);
  BOOST_TEST(answer->find("already ended") != std::string::npos, *answer);
  BOOST_TEST(api.wait_for_confirmed_offset(late + 1, 20s));
}

// The press path without depending on the preview: a fresh relay numbers
// its turns from 1, so the first run's Stop button says "stop:1".
BOOST_FIXTURE_TEST_CASE(a_stop_press_for_the_running_turn_stops_it,
                        fixture) {
  start();
  api.post_message(5, 5, "[[sleep 60]] long job");
  await_turn_start(5);
  auto foreign = api.post_callback(5, 6, 1, "stop:1");
  auto answer = callback_answer("cb-" + std::to_string(foreign));
  BOOST_REQUIRE(answer);
  BOOST_TEST(answer->find("not yours") != std::string::npos, *answer);
  auto wrong_turn = api.post_callback(5, 5, 1, "stop:2");
  answer = callback_answer("cb-" + std::to_string(wrong_turn));
  BOOST_REQUIRE(answer);
  BOOST_TEST(answer->find("already ended") != std::string::npos, *answer);
  auto asked = clock_type::now();
  auto own = api.post_callback(5, 5, 1, "stop:1");
  answer = callback_answer("cb-" + std::to_string(own));
  BOOST_REQUIRE(answer);
  BOOST_TEST(*answer == "Stopping…");
  await_text(5, "⏹ Stopped.");
  BOOST_TEST((clock_type::now() - asked < 10s));
  // Each press was answered exactly once (the router left them to the
  // conversation) and every update was confirmed.
  for (auto id : {foreign, wrong_turn, own}) {
    std::size_t n = 0;
    for (auto& c : api.calls("answerCallbackQuery"))
      n += c.params.value("callback_query_id", "")
           == "cb-" + std::to_string(id);
    BOOST_TEST(n == 1u);
  }
  BOOST_TEST(api.wait_for_confirmed_offset(own + 1, 20s));
  // The conversation goes on in the same agent session.
  api.post_message(5, 5, "after the stop");
  await_text(5, "Echo #2: after the stop");
}
