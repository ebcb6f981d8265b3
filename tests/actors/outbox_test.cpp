#define BOOST_TEST_MODULE outbox
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include <set>
#include <thread>

#include "actors/outbox.hpp"
#include "actors/store.hpp"
#include "storage/database.hpp"
#include "telegram/bot_api_client.hpp"
#include "telegram/message_splitter.hpp"
#include "testing/bot_api_html.hpp"
#include "testing/loopback_bot_api.hpp"
#include "tests/agent/test_support.hpp"

// The outbox on real threads against the loopback Bot API over HTTP, with
// the real store (SQLite) to see updates marked answered.

using namespace telclaude;
using namespace std::chrono_literals;
using testing::bot_message;

namespace {

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::telclaude>();
    set("logger.verbosity", caf::atom("quiet"));
  }
};

testing::loopback_bot_api_options api_options(bool limits) {
  testing::loopback_bot_api_options o;
  o.require_known_chat = false;
  o.enforce_limits = limits;
  return o;
}

struct fixture {
  explicit fixture(bool limits = false, outbox_options o = fast())
    : api(api_options(limits)) {
    db = std::make_shared<storage::database>(
      storage::database::open(dir.path() / "t.db"));
    st = sys.spawn<caf::detached>(store, db, &system_clock::instance());
    std::vector<std::shared_ptr<telegram::bot_api_client>> clients;
    for (int i = 0; i < 4; ++i)
      clients.push_back(std::make_shared<telegram::bot_api_client>(
        api.base_url(), api.token()));
    box = caf::actor_cast<outbox_actor>(
      sys.spawn<caf::detached>(outbox, clients, st, o));
  }

  ~fixture() {
    caf::scoped_actor self{sys};
    self->send_exit(box, caf::exit_reason::user_shutdown);
    self->send_exit(st, caf::exit_reason::user_shutdown);
  }

  /// Pacing as Telegram's, but quicker for private chats so tests run
  /// fast against a loopback that does not enforce limits.
  static outbox_options fast() {
    outbox_options o;
    o.pacing.private_interval = 100ms;
    o.pacing.group_interval = 100ms;
    o.pacing.retry_initial = 50ms;
    return o;
  }

  /// Puts updates in the inbox so their answering can be seen.
  void inbox(std::vector<std::int64_t> ids) {
    std::vector<stored_update> xs;
    for (auto id : ids)
      xs.push_back(stored_update{id, 1, "{}"});
    caf::scoped_actor self{sys};
    self->request(st, 10s, atom::inbox_add_v, xs, ids.back() + 1)
      .receive([](std::vector<std::int64_t>&) {},
               [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
  }

  /// Update ids still unanswered.
  std::set<std::int64_t> pending() {
    std::set<std::int64_t> out;
    caf::scoped_actor self{sys};
    self->request(st, 10s, atom::inbox_pend_v)
      .receive(
        [&](std::vector<stored_update>& xs) {
          for (auto& x : xs)
            out.insert(x.update_id);
        },
        [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
    return out;
  }

  /// Waits until everything handed to the outbox went out.
  void drain(caf::timespan t = 60s) {
    caf::scoped_actor self{sys};
    bool ok = false;
    self->request(box, t, atom::drain_v)
      .receive([&](bool b) { ok = b; },
               [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
    BOOST_TEST(ok);
  }

  void text(reply_target t, std::string s) {
    caf::anon_send(box, atom::reply_text_v, t, std::move(s));
  }
  void progress(reply_target t, std::string s) {
    caf::anon_send(box, atom::reply_progress_v, t, std::move(s));
  }
  void end(reply_target t, bool discard = false) {
    caf::anon_send(box, atom::reply_end_v, t, discard);
  }

  static bool has_stop(const bot_message& m) {
    return m.reply_markup &&
           m.reply_markup->dump().find("stop:") != std::string::npos;
  }
  static std::string visible(const bot_message& m) {
    return m.parse_mode == "HTML" ? testing::parse_html(m.text).plain
                                  : m.text;
  }

  testing::temp_dir dir;
  testing::loopback_bot_api api;
  config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<storage::database> db;
  store_actor st;
  outbox_actor box;
};

struct limited : fixture {
  limited() : fixture(true, slow_enough()) {
  }
  static outbox_options slow_enough() {
    return outbox_options{};
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_streamed_turn_ends_as_one_message, fixture) {
  inbox({7});
  reply_target t{1, 50, 7, 3};
  text(t, "Hello **wor");
  api.wait_for_messages(1, 1, 5s);
  progress(t, "Reading src/main.cpp");
  std::this_thread::sleep_for(300ms); // let an edit or two go out
  text(t, "ld** <3");
  end(t);
  drain();
  auto msgs = api.messages(1);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(visible(msgs[0]) == "Hello world <3");
  BOOST_TEST(msgs[0].text == "Hello <b>world</b> &lt;3");
  BOOST_TEST(!has_stop(msgs[0]));
  BOOST_TEST(*msgs[0].reply_to == 50);
  // The preview carried the Stop button of turn 3.
  auto sends = api.calls("sendMessage");
  BOOST_TEST_REQUIRE(!sends.empty());
  BOOST_TEST(sends[0].params.dump().find("stop:3") != std::string::npos);
  BOOST_TEST(pending().empty());
}

BOOST_FIXTURE_TEST_CASE(progress_lines_show_in_the_preview, fixture) {
  reply_target t{1, 0, 0, 4};
  progress(t, "Running: make test");
  auto msgs = api.wait_for_messages(1, 1, 5s);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(visible(msgs[0]) == "Running: make test");
  BOOST_TEST(has_stop(msgs[0]));
  end(t);
  drain();
  msgs = api.messages(1);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(visible(msgs[0]) == "(The agent finished without a reply.)");
  BOOST_TEST(!has_stop(msgs[0]));
}

BOOST_FIXTURE_TEST_CASE(an_empty_reply_says_so, fixture) {
  inbox({8});
  end(reply_target{2, 0, 8, 1});
  drain();
  auto msgs = api.messages(2);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(visible(msgs[0]) == "(The agent finished without a reply.)");
  BOOST_TEST(pending().empty());
}

BOOST_FIXTURE_TEST_CASE(long_replies_continue_in_new_messages, fixture) {
  reply_target t{3, 0, 0, 1};
  std::string all;
  for (int i = 0; i < 300; ++i) {
    std::string line = "line " + std::to_string(i) + " " +
                       std::string(30, 'x') + "\n";
    all += line;
    text(t, line);
  }
  end(t);
  drain();
  auto msgs = api.messages(3);
  BOOST_TEST_REQUIRE(msgs.size() == 3u);
  std::string joined;
  for (auto& m : msgs) {
    BOOST_TEST(!has_stop(m));
    BOOST_TEST(telegram::utf16_length(visible(m)) <= 4096u);
    joined += visible(m) + "\n";
  }
  BOOST_TEST(joined == all); // only the line break at each cut dropped
}

BOOST_FIXTURE_TEST_CASE(refused_html_is_resent_as_plain_text, fixture) {
  api.fail_next("sendMessage", 1,
                testing::fault{400,
                               "Bad Request: can't parse entities: "
                               "Unsupported start tag",
                               std::nullopt, std::nullopt, false});
  reply_target t{4, 0, 0, 1};
  text(t, "**bold** & co");
  end(t);
  drain();
  auto msgs = api.messages(4);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].parse_mode.empty());
  BOOST_TEST(msgs[0].text == "bold & co");
}

BOOST_FIXTURE_TEST_CASE(server_errors_are_retried, fixture) {
  api.fail_next("sendMessage", 2, testing::fault{});
  inbox({9});
  reply_target t{5, 0, 9, 1};
  text(t, "after two 500s");
  end(t);
  drain();
  auto msgs = api.messages(5);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(visible(msgs[0]) == "after two 500s");
  BOOST_TEST(pending().empty());
}

BOOST_FIXTURE_TEST_CASE(a_lost_preview_does_not_lose_the_final, fixture) {
  reply_target t{6, 0, 0, 1};
  text(t, "first part");
  api.wait_for_messages(6, 1, 5s);
  drain();
  api.fail_next("editMessageText", 1,
                testing::fault{400, "Bad Request: message to edit not found",
                               std::nullopt, std::nullopt, false});
  text(t, " and the rest");
  end(t);
  drain();
  auto msgs = api.messages(6);
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(visible(msgs[1]) == "first part and the rest");
  BOOST_TEST(!has_stop(msgs[1]));
}

BOOST_FIXTURE_TEST_CASE(a_discarded_turn_takes_its_preview_away, fixture) {
  reply_target t{7, 0, 0, 1};
  text(t, "about to be dropped");
  api.wait_for_messages(7, 1, 5s);
  end(t, true);
  drain();
  auto msgs = api.messages(7);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].deleted);
}

BOOST_FIXTURE_TEST_CASE(notices_prompts_and_typing_go_out, fixture) {
  inbox({11, 12});
  caf::anon_send(box, atom::send_text_v, std::int64_t{8},
                 std::string{"a < notice"}, std::int64_t{11});
  caf::anon_send(box, atom::prompt_v, std::int64_t{8}, std::string{"ok?"},
                 std::vector<button>{{"Yes", "y:1"}}, std::int64_t{12});
  caf::anon_send(box, atom::typing_v, std::int64_t{8});
  drain();
  auto msgs = api.messages(8);
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[0].text == "a < notice");
  BOOST_TEST(msgs[0].parse_mode.empty());
  BOOST_TEST(msgs[1].reply_markup->dump().find("y:1") != std::string::npos);
  BOOST_TEST(api.chat_actions(8).size() == 1u);
  BOOST_TEST(pending().empty());
}

BOOST_FIXTURE_TEST_CASE(drain_waits_for_everything_queued, fixture) {
  // Ten notices to one chat at 100 ms each take about a second.
  for (int i = 0; i < 10; ++i)
    caf::anon_send(box, atom::send_text_v, std::int64_t{9},
                   "n" + std::to_string(i), std::int64_t{0});
  drain();
  BOOST_TEST(api.messages(9).size() == 10u);
}

BOOST_FIXTURE_TEST_CASE(a_429_storm_loses_and_doubles_nothing, fixture) {
  // Every send and edit answers 429 (retry_after 1) 15 times in a row.
  testing::fault f{429, "Too Many Requests: retry after 1", 1, std::nullopt,
                   false};
  api.fail_next("sendMessage", 15, f);
  api.fail_next("editMessageText", 15, f);
  std::vector<std::int64_t> ids;
  for (std::int64_t chat = 20; chat < 30; ++chat)
    ids.push_back(chat);
  inbox(ids);
  for (std::int64_t chat = 20; chat < 30; ++chat) {
    reply_target t{chat, 0, chat, 1};
    text(t, "reply for " + std::to_string(chat));
    progress(t, "Reading x");
    text(t, " done");
    end(t);
  }
  drain(120s);
  for (std::int64_t chat = 20; chat < 30; ++chat) {
    auto msgs = api.messages(chat);
    BOOST_TEST_REQUIRE(msgs.size() == 1u);
    BOOST_TEST(visible(msgs[0]) ==
               "reply for " + std::to_string(chat) + " done");
    BOOST_TEST(!has_stop(msgs[0]));
  }
  BOOST_TEST(pending().empty());
}

BOOST_FIXTURE_TEST_CASE(telegram_pace_gets_no_429, limited) {
  // Limits enforced as Telegram does; the outbox at Telegram's pace.
  for (std::int64_t chat = 40; chat < 45; ++chat) {
    reply_target t{chat, 0, 0, 1};
    for (int i = 0; i < 5; ++i) {
      text(t, "chunk " + std::to_string(i) + " ");
      std::this_thread::sleep_for(100ms);
    }
    end(t);
  }
  for (std::int64_t g = -60; g < -58; ++g) {
    api.open_chat(g, "group");
    for (int i = 0; i < 3; ++i)
      caf::anon_send(box, atom::send_text_v, g, "g" + std::to_string(i),
                     std::int64_t{0});
  }
  drain(120s);
  for (auto& c : api.calls())
    BOOST_TEST(c.status != 429);
  for (std::int64_t chat = 40; chat < 45; ++chat)
    BOOST_TEST(visible(api.messages(chat).at(0)) ==
               "chunk 0 chunk 1 chunk 2 chunk 3 chunk 4");
}

BOOST_AUTO_TEST_CASE(a_timer_early_by_the_pacing_clock_arms_again) {
  // The clock the pacer reads may run behind the one CAF's timers use (a
  // system clock stepped back or slewed; here a manual clock that moves
  // late). A timer firing before the final is due by the pacer's clock
  // must arm anew: before, nothing woke the outbox again and the final
  // stayed queued for good (the reply never showed whole).
  static telclaude::manual_clock clk;
  auto o = fixture::fast();
  o.clk = &clk;
  fixture f{false, o};
  reply_target t{70, 0, 0, 1};
  f.text(t, "all of it");
  BOOST_TEST_REQUIRE(f.api.wait_for_messages(70, 1, 10s).size() == 1u);
  // The final edit waits 100 ms after the preview by `clk`, which stands
  // still while its timer fires, and moves on only afterwards.
  f.end(t);
  std::this_thread::sleep_for(400ms);
  clk.advance(1s);
  bool final_shown = false;
  for (int i = 0; i < 500 && !final_shown; ++i) {
    auto ms = f.api.messages(70);
    final_shown = ms.size() == 1 && !fixture::has_stop(ms[0]);
    if (!final_shown)
      std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(final_shown);
  BOOST_TEST(fixture::visible(f.api.messages(70).at(0)) == "all of it");
}
