#define BOOST_TEST_MODULE security_e2e
#include <boost/test/unit_test.hpp>

#include <regex>

#include "storage/admin.hpp"
#include "storage/audit_log.hpp"
#include "storage/identity_links.hpp"
#include "tests/e2e/relay_fixture.hpp"

// The authorisation matrix against the built relay, the loopback Bot API
// and the scripted agent: who gets an agent, who gets a refusal, and that
// every decision lands in the audit trail.

using namespace telclaude;
using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

/// A relay with no admin and the given links.
struct security_fixture : relay_fixture {
  explicit security_fixture(std::map<std::int64_t, std::string> l = {}) {
    seeded_links = std::move(l);
  }

  /// The reply texts in `chat` once there are `n`.
  std::vector<std::string> texts(std::int64_t chat, std::size_t n) {
    std::vector<std::string> out;
    for (auto& m : replies(chat, n))
      out.push_back(m.text);
    return out;
  }

  /// The audit records so far (the relay writes them as it decides).
  std::vector<storage::audit_record> audit() {
    auto db =
      storage::database::open_read_only(data_dir() / "telclaude.db");
    return storage::audit_log{db}.tail(1000);
  }

  /// Waits until an audit record with `verdict` and `reason` exists.
  bool audited(std::string_view verdict, std::string_view reason,
               std::chrono::milliseconds timeout = 10s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    do {
      try {
        for (auto& r : audit())
          if (r.verdict == verdict && r.reason == reason)
            return true;
      } catch (const std::exception&) {
        // The relay has not created its database yet.
      }
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < until);
    return false;
  }

  /// SIGTERM, wait, start again.
  void restart() {
    relay->signal(SIGTERM);
    BOOST_REQUIRE(relay->wait_for(20s));
    relay.reset();
    start();
  }

  std::optional<storage::admin_record> admin() {
    auto db =
      storage::database::open_read_only(data_dir() / "telclaude.db");
    return storage::admin{db}.get();
  }
};

std::string code_in(const std::string& text, const std::string& before) {
  std::smatch m;
  std::regex re{before + "([2-9A-Z]{8,10})"};
  BOOST_REQUIRE_MESSAGE(std::regex_search(text, m, re), text);
  return m[1];
}

/// The approve button's data of an approval prompt.
std::string approve_data(const bot_message& prompt) {
  BOOST_REQUIRE(prompt.reply_markup.has_value());
  return (*prompt.reply_markup)["inline_keyboard"][0][0]["callback_data"];
}

struct linked_fixture : security_fixture {
  linked_fixture()
    : security_fixture({{1, "FULL_ACCESS"},
                        {2, "READ_ONLY"},
                        {3, "WRITE_SAFE"},
                        {4, "FULL_ACCESS"}}) {
  }
  /// User 1 is the admin (as a claim would have made them).
  void make_admin() {
    seed_links();
    auto db = storage::database::open(data_dir() / "telclaude.db");
    BOOST_REQUIRE(storage::admin{db}.claim(1, 0));
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(unknown_chats_get_nothing_and_are_audited,
                        security_fixture) {
  start();
  api.open_chat(77);
  api.post_message(77, 77, "let me in");
  BOOST_TEST(audited("refused", "chat_not_allowed"));
  settle(500ms);
  BOOST_TEST(api.messages(77).empty());
}

BOOST_FIXTURE_TEST_CASE(the_admin_claim_in_a_private_chat, security_fixture) {
  start();
  // A group chat cannot claim.
  api.post_message(-100, 5, "hello", "group");
  auto group = texts(-100, 1);
  BOOST_TEST(group[0].find("private message") != std::string::npos);
  BOOST_TEST(audited("refused", "group_claim"));

  api.post_message(1, 1, "hello");
  auto offer = texts(1, 1)[0];
  auto code = code_in(offer, "/approve ");
  // Wrong codes, and someone else's code, are refused.
  api.post_command(1, 1, "/approve 23456789");
  BOOST_TEST(texts(1, 2)[1].find("not valid") != std::string::npos);
  api.post_command(2, 2, "/approve " + code);
  BOOST_TEST(texts(2, 1)[0].find("not valid") == std::string::npos);
  BOOST_TEST(audited("refused", "foreign"));
  // The code burnt by the foreign attempt: ask again, claim.
  api.post_message(1, 1, "hello again");
  auto code2 = code_in(texts(1, 3)[2], "/approve ");
  api.post_command(1, 1, "/approve " + code2);
  BOOST_TEST(texts(1, 4)[3].find("You are now the admin") != std::string::npos);
  BOOST_TEST(admin()->user_id == 1);
  BOOST_TEST(audited("claimed", "admin claimed"));
  // Replayed: the code is gone; a second claim is impossible.
  api.post_command(1, 1, "/approve " + code2);
  BOOST_TEST(texts(1, 5)[4].find("not valid") != std::string::npos);
  api.post_message(2, 2, "hello");
  BOOST_TEST(texts(2, 2)[1].find("not linked") != std::string::npos);
  BOOST_TEST(admin()->user_id == 1);
  // No message of this test ever reached an agent.
  for (auto chat : {1, 2})
    for (auto& m : api.messages(chat))
      BOOST_TEST(m.text.find("Echo") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(each_tier_gets_its_agent_flags, linked_fixture) {
  make_admin();
  start();
  api.post_message(2, 2, "who am I [[flags]]");
  auto ro = texts(2, 1)[0];
  BOOST_TEST(ro.starts_with("mode=dontAsk allowed="), ro);
  BOOST_TEST(ro.find("disallowed=0") == std::string::npos, ro);
  api.post_message(3, 3, "and me [[flags]]");
  auto ws = texts(3, 1)[0];
  BOOST_TEST(ws.starts_with("mode=acceptEdits allowed="), ws);
  BOOST_TEST(ws.find("disallowed=0") == std::string::npos, ws);
  BOOST_TEST(audited("allowed", ""));
  BOOST_TEST(audited("completed", "ok"));
  // FULL_ACCESS waits for an approval.
  api.post_message(4, 4, "deploy [[flags]]");
  auto prompt = replies(4, 1)[0];
  BOOST_TEST(prompt.text.find("deploy") != std::string::npos);
  BOOST_TEST(audited("pending", "full_access"));
  settle(500ms);
  BOOST_TEST(api.messages(4).size() == 1u);  // nothing ran
  api.post_callback(4, 4, prompt.message_id, approve_data(prompt));
  auto after = texts(4, 3);
  BOOST_TEST(after[1] == "Approved: running it now.");
  BOOST_TEST(after[2].starts_with("mode=bypassPermissions"), after[2]);
  BOOST_TEST(!api.calls("answerCallbackQuery").empty());
}

BOOST_FIXTURE_TEST_CASE(whoami_link_unlink_and_a_removed_link,
                        linked_fixture) {
  make_admin();
  start();
  api.post_command(3, 3, "/whoami");
  auto who = texts(3, 1)[0];
  BOOST_TEST(who.find("tg:3") != std::string::npos);
  BOOST_TEST(who.find("WRITE_SAFE") != std::string::npos);
  // A link code from the CLI links user 6 with the default tier.
  auto issued = run({"link", "tg:6"});
  BOOST_REQUIRE_MESSAGE(issued.code == 0, issued.err);
  auto code = code_in(issued.out, "/link ");
  api.post_message(6, 6, "hi");
  BOOST_TEST(texts(6, 1)[0].find("not linked") != std::string::npos);
  api.post_command(6, 6, "/link " + code);
  BOOST_TEST(texts(6, 2)[1].find("Linked") != std::string::npos);
  api.post_message(6, 6, "now?");
  BOOST_TEST(texts(6, 3)[2] == "Echo #1: now?");
  api.post_command(6, 6, "/unlink");
  BOOST_TEST(texts(6, 4)[3].find("Unlinked") != std::string::npos);
  api.post_message(6, 6, "still?");
  BOOST_TEST(texts(6, 5)[4].find("not linked") != std::string::npos);
  // `telclaude link --remove` while the relay runs.
  auto removed = run({"link", "--remove", "tg:3"});
  BOOST_REQUIRE_MESSAGE(removed.code == 0, removed.err);
  {
    auto db = storage::database::open_read_only(data_dir() / "telclaude.db");
    BOOST_REQUIRE(!storage::identity_links{db}.get(3));
  }
  api.post_message(3, 3, "am I still here?");
  auto gone = texts(3, 2)[1];
  BOOST_TEST(gone.find("not linked") != std::string::npos,
             gone);
}

BOOST_FIXTURE_TEST_CASE(rate_limits_hold_across_a_restart, linked_fixture) {
  config["security"] = {
    {"rateLimits", {{"perUser", {{"perMinute", 2}, {"perHour", 2}}}}}};
  make_admin();
  start();
  auto hour = [] {
    return std::chrono::duration_cast<std::chrono::hours>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  };
  auto began = hour();
  // One at a time: a refusal is sent at once, an answer after the run.
  api.post_message(3, 3, "one");
  BOOST_TEST(texts(3, 1)[0] == "Echo #1: one");
  api.post_message(3, 3, "two");
  BOOST_TEST(texts(3, 2)[1] == "Echo #2: two");
  api.post_message(3, 3, "three");
  auto t = texts(3, 3);
  BOOST_TEST(t[2].find("Too many requests") != std::string::npos, t[2]);
  // /whoami is not counted and says what is left.
  api.post_command(3, 3, "/whoami");
  BOOST_TEST(texts(3, 4)[3].find("0 of 2") != std::string::npos);
  restart();
  api.post_message(3, 3, "four");
  auto after = texts(3, 5)[4];
  if (hour() == began)
    BOOST_TEST(after.find("Too many requests") != std::string::npos, after);
  else
    BOOST_TEST_MESSAGE("the hour ended during the test; not checked");
  BOOST_TEST(audited("refused", "rate_limited"));
}

BOOST_FIXTURE_TEST_CASE(an_approval_survives_a_restart_and_runs_once,
                        linked_fixture) {
  make_admin();
  start();
  api.post_message(4, 4, "ship it");
  auto prompt = replies(4, 1)[0];
  restart();
  auto data = approve_data(prompt);
  // The requester and the admin press Approve at once: one run.
  api.post_callback(4, 4, prompt.message_id, data);
  api.post_callback(4, 1, prompt.message_id, data);
  texts(4, 4);  // the prompt, "Approved", the refusal and the answer
  settle();
  int runs = 0, refusals = 0;
  for (auto& m : api.messages(4)) {
    runs += m.text == "Echo #1: ship it";
    refusals += m.text.find("already been used") != std::string::npos;
  }
  BOOST_TEST(runs == 1);
  BOOST_TEST(refusals == 1);
  BOOST_TEST(api.calls("answerCallbackQuery").size() == 2u);
  // Denied requests never run.
  api.post_message(4, 4, "drop the table");
  auto p2 = replies(4, 5)[4];
  auto deny = (*p2.reply_markup)["inline_keyboard"][0][1]["callback_data"]
                .get<std::string>();
  api.post_callback(4, 4, p2.message_id, deny);
  BOOST_TEST(texts(4, 6)[5].find("Denied") != std::string::npos);
  settle();
  for (auto& m : api.messages(4))
    BOOST_TEST(!m.text.starts_with("Echo #2"), m.text);
  BOOST_TEST(audited("denied", "by tg:4"));
}

BOOST_FIXTURE_TEST_CASE(the_audit_file_and_table_never_hold_a_secret,
                        linked_fixture) {
  make_admin();
  start();
  // A message with a CORE secret is refused before the gate; the audit
  // records the refusal with the secret redacted.
  std::string key = "sk-ant-api03-" + std::string(80, 'A') + "AA";
  api.post_message(3, 3, "use " + key + " please");
  BOOST_TEST(texts(3, 1)[0].find("secret") != std::string::npos);
  BOOST_TEST(audited("refused", "secret: anthropic-api-key"));
  for (auto& r : audit())
    BOOST_TEST(r.excerpt.find("AAAAAAAAAAAAAAAA") == std::string::npos);
  std::ifstream file{data_dir() / "audit.log"};
  std::string all{std::istreambuf_iterator<char>{file}, {}};
  BOOST_TEST(all.find("refused") != std::string::npos);
  BOOST_TEST(all.find("AAAAAAAAAAAAAAAA") == std::string::npos);
}
