#define BOOST_TEST_MODULE router
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "actors/router.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace telclaude;
using namespace std::chrono_literals;

namespace {

/// What the fake store and outbox saw, and the runs the launcher started.
struct world {
  std::map<std::string, session_record> sessions;
  std::vector<std::int64_t> done;
  std::vector<std::pair<std::int64_t, std::string>> notices;
  std::vector<std::int64_t> typing;
  struct run {
    run_request req;
    chat_session_actor session;
  };
  std::vector<run> runs;
  /// What the gatekeeper was asked and told.
  std::vector<std::string> gated;
  std::vector<std::pair<std::string, std::string>> refused;  // text, reason
  std::vector<std::pair<std::int64_t, std::vector<button>>> prompts;
  std::vector<std::pair<std::string, std::string>> answers;  // id, text
  /// Gate answers held back ("held..." messages), answered by the test.
  std::vector<std::pair<caf::typed_response_promise<gate_reply>,
                        chat_message>> held;
};

/// Allows everything as WRITE_SAFE except: "no..." is refused, "ask..."
/// waits for an approval, the button "approve:X" runs "the approved
/// request" for user 1 in chat 1 as FULL_ACCESS, and "slow..." is answered
/// only when the test says (as the observer's model would).
gatekeeper_actor::behavior_type fake_gatekeeper(gatekeeper_actor::pointer self,
                                                std::shared_ptr<world> w) {
  return {
    [self, w](atom::gate, chat_message& msg) {
      w->gated.push_back(msg.callback_id.empty() ? msg.text
                                                 : msg.callback_data);
      auto rp = self->make_response_promise<gate_reply>();
      if (msg.text.starts_with("held")) {
        w->held.emplace_back(rp, msg);
        return rp;
      }
      gate_reply r;
      if (msg.callback_data == "approve:X") {
        r.run = true;
        r.text = "Approved: running it now.";
        r.callback_answer = "Approved.";
        r.message.chat_id = 1;
        r.message.user_id = 1;
        r.message.update_id = msg.update_id;
        r.message.message_id = 5;
        r.message.text = "the approved request";
        r.message.has_text = true;
        r.message.tier = "FULL_ACCESS";
      } else if (msg.text.starts_with("no")) {
        r.text = "refused";
      } else if (msg.text == "/whoami") {
        r.text = "you are you";
      } else if (msg.text.starts_with("ask")) {
        r.text = "approve?";
        r.buttons = {{"Approve", "approve:X"}, {"Deny", "deny:X"}};
      } else {
        r.run = true;
        r.message = msg;
        r.message.tier = "WRITE_SAFE";
      }
      rp.deliver(std::move(r));
      return rp;
    },
    [w](atom::refused, chat_message& msg, std::string& reason) {
      w->refused.emplace_back(msg.text, reason);
    },
    [](atom::gate, chat_message&, observer_verdict&) { return gate_reply{}; },
    // Releases the held answers: each runs as WRITE_SAFE.
    [w](atom::sweep) {
      for (auto& [rp, msg] : w->held) {
        gate_reply r;
        r.run = true;
        r.message = msg;
        r.message.tier = "WRITE_SAFE";
        rp.deliver(std::move(r));
      }
      w->held.clear();
    },
    [](atom::batch_end) {},
  };
}

store_actor::behavior_type fake_store(store_actor::pointer,
                                      std::shared_ptr<world> w) {
  return {
    [](atom::inbox_add, std::vector<stored_update>& xs, std::int64_t) {
      std::vector<std::int64_t> ids;
      for (auto& x : xs)
        ids.push_back(x.update_id);
      return ids;
    },
    [w](atom::inbox_done, std::int64_t id) { w->done.push_back(id); },
    [](atom::inbox_pend) { return std::vector<stored_update>{}; },
    [](atom::offset) { return std::int64_t{0}; },
    [w](atom::sess_get, std::string& key) {
      auto i = w->sessions.find(key);
      return i == w->sessions.end() ? session_record{} : i->second;
    },
    [w](atom::sess_put, session_record& rec) { w->sessions[rec.key] = rec; },
    [](atom::batch_end) {},
  };
}

outbox_actor::behavior_type fake_outbox(outbox_actor::pointer,
                                        std::shared_ptr<world> w) {
  return {
    [](atom::reply_text, reply_target&, std::string&) {},
    [](atom::reply_progress, reply_target&, std::string&) {},
    [w](atom::reply_end, reply_target& t, bool) {
      w->done.push_back(t.update_id);
    },
    [w](atom::send_text, std::int64_t chat, std::string& text,
        std::int64_t update_id) {
      w->notices.emplace_back(chat, text);
      if (update_id != 0)
        w->done.push_back(update_id);
    },
    [w](atom::prompt, std::int64_t chat, std::string&,
        std::vector<button>& buttons, std::int64_t update_id) {
      w->prompts.emplace_back(chat, buttons);
      w->done.push_back(update_id);
    },
    [w](atom::qr_photo, std::int64_t chat, std::string& caption,
        std::string& qr, std::int64_t update_id) {
      w->notices.emplace_back(chat, caption + " [qr:" + qr + "]");
      w->done.push_back(update_id);
    },
    [w](atom::cb_answer, std::string& id, std::string& text) {
      w->answers.emplace_back(id, text);
    },
    [w](atom::typing, std::int64_t chat) { w->typing.push_back(chat); },
    [](atom::drain) { return true; },
  };
}

struct fixture : testing::actor_fixture {
  std::shared_ptr<world> w = std::make_shared<world>();
  store_actor store = sys.spawn(fake_store, w);
  outbox_actor outbox = sys.spawn(fake_outbox, w);
  gatekeeper_actor gk = sys.spawn(fake_gatekeeper, w);
  router_actor rt;

  fixture(bool replies = true) {
    session_deps deps;
    deps.store = store;
    deps.outbox = outbox;
    deps.launch = [this](const run_request& req,
                         const chat_session_actor& session) {
      w->runs.push_back({req, session});
      return agent_run_actor{};
    };
    router_options opts;
    opts.allowed_chats = {1, 2, -100};
    opts.session_ttl = 10min;
    opts.sweep_interval = 1min;
    opts.replies_enabled = replies;
    opts.gatekeeper = gk;
    opts.secrets = [](std::string_view text) {
      return text.find("SECRET") == std::string_view::npos
               ? std::vector<std::string>{}
               : std::vector<std::string>{"test-kind"};
    };
    rt = sys.spawn(router, opts, deps);
    run();
  }

  ~fixture() {
    caf::anon_send_exit(rt, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(gk, caf::exit_reason::user_shutdown);
    run();
  }

  void press(std::int64_t chat, std::int64_t update_id, std::string data) {
    chat_message m;
    m.update_id = update_id;
    m.chat_id = chat;
    m.user_id = 1;
    m.callback_id = "cb-" + std::to_string(update_id);
    m.callback_data = std::move(data);
    caf::anon_send(rt, std::move(m));
    run();
  }

  void send(std::int64_t chat, std::int64_t update_id, std::string text,
            bool has_text = true) {
    chat_message m;
    m.update_id = update_id;
    m.chat_id = chat;
    m.user_id = chat > 0 ? chat : 7;
    m.message_id = update_id;
    m.text = std::move(text);
    m.has_text = has_text;
    caf::anon_send(rt, std::move(m));
    run();
  }

  void finish(std::size_t run_index, std::string session_id = "s") {
    auto& r = w->runs.at(run_index);
    run_outcome out;
    out.ok = true;
    out.agent_session_id = std::move(session_id);
    caf::anon_send(r.session, atom::finished_v, r.req.turn, out);
    run();
  }

  std::uint64_t live_sessions() {
    caf::scoped_actor self{sys};
    self->send(rt, atom::count_v);
    run();
    std::uint64_t n = 0;
    self->receive([&](std::uint64_t x) { n = x; });
    return n;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(one_chat_is_answered_in_order, fixture) {
  send(1, 10, "a");
  send(1, 11, "b");
  send(1, 12, "c");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 1u);
  BOOST_TEST(w->runs[0].req.prompt == "a");
  finish(0);
  BOOST_REQUIRE_EQUAL(w->runs.size(), 2u);
  BOOST_TEST(w->runs[1].req.prompt == "b");
  BOOST_TEST(w->runs[1].req.resume_id == "s");
  finish(1);
  BOOST_REQUIRE_EQUAL(w->runs.size(), 3u);
  BOOST_TEST(w->runs[2].req.prompt == "c");
  BOOST_TEST(w->runs[2].req.target.update_id == 12);
}

BOOST_FIXTURE_TEST_CASE(a_slow_gate_answer_keeps_the_chats_order, fixture) {
  send(1, 10, "held a");
  send(1, 11, "b");
  // "b" was decided at once, but waits for the earlier message's answer.
  BOOST_TEST(w->gated.size() == 2u);
  BOOST_TEST(w->runs.empty());
  // Another chat is not held up by chat 1.
  send(2, 12, "c");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 1u);
  BOOST_TEST(w->runs[0].req.prompt == "c");
  // A control command is not held (/stop must not wait behind a message
  // the observer is still classifying).
  send(1, 13, "/whoami");
  BOOST_TEST(std::count(w->notices.begin(), w->notices.end(),
                        std::make_pair(std::int64_t{1},
                                       std::string{"you are you"}))
             == 1);
  BOOST_REQUIRE_EQUAL(w->held.size(), 1u);
  caf::anon_send(gk, atom::sweep_v);
  run();
  BOOST_REQUIRE_EQUAL(w->runs.size(), 2u);
  BOOST_TEST(w->runs[1].req.prompt == "held a");
  finish(1);
  BOOST_REQUIRE_EQUAL(w->runs.size(), 3u);
  BOOST_TEST(w->runs[2].req.prompt == "b");
}

BOOST_FIXTURE_TEST_CASE(chats_run_in_parallel, fixture) {
  send(1, 10, "from one");
  send(2, 11, "from two");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 2u);
  BOOST_TEST(w->runs[0].req.target.chat_id == 1);
  BOOST_TEST(w->runs[1].req.target.chat_id == 2);
  BOOST_TEST(w->runs[0].req.turn != w->runs[1].req.turn);
  BOOST_TEST(live_sessions() == 2u);
}

BOOST_FIXTURE_TEST_CASE(chat_not_allowed_never_reaches_an_agent, fixture) {
  send(99, 10, "let me in");
  BOOST_TEST(w->runs.empty());
  BOOST_TEST(w->notices.empty());
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
  BOOST_TEST(live_sessions() == 0u);
  // Audited, never gated.
  BOOST_TEST(w->gated.empty());
  BOOST_REQUIRE_EQUAL(w->refused.size(), 1u);
  BOOST_TEST(w->refused[0].second == "chat_not_allowed");
}

BOOST_FIXTURE_TEST_CASE(the_granted_tier_reaches_the_run, fixture) {
  send(1, 10, "a");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 1u);
  BOOST_TEST(w->runs[0].req.tier == "WRITE_SAFE");
  BOOST_TEST(w->gated == std::vector<std::string>{"a"});
}

BOOST_FIXTURE_TEST_CASE(a_refusal_is_told_and_answers_the_update, fixture) {
  send(1, 10, "no way");
  BOOST_TEST(w->runs.empty());
  BOOST_REQUIRE_EQUAL(w->notices.size(), 1u);
  BOOST_TEST(w->notices[0].second == "refused");
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
  BOOST_TEST(live_sessions() == 0u);
}

BOOST_FIXTURE_TEST_CASE(secrets_are_refused_before_the_gate_and_audited,
                        fixture) {
  send(1, 10, "here is my SECRET");
  BOOST_TEST(w->runs.empty());
  BOOST_TEST(w->gated.empty());
  BOOST_REQUIRE_EQUAL(w->refused.size(), 1u);
  BOOST_TEST(w->refused[0].second == "secret: test-kind");
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
}

BOOST_FIXTURE_TEST_CASE(approval_prompt_then_the_button_runs_the_request,
                        fixture) {
  send(2, 10, "ask for it");
  BOOST_TEST(w->runs.empty());
  BOOST_REQUIRE_EQUAL(w->prompts.size(), 1u);
  BOOST_TEST(w->prompts[0].first == 2);
  BOOST_TEST(w->prompts[0].second.size() == 2u);
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
  press(2, 11, "approve:X");
  BOOST_REQUIRE_EQUAL(w->answers.size(), 1u);
  BOOST_TEST(w->answers[0].first == "cb-11");
  BOOST_TEST(w->answers[0].second == "Approved.");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 1u);
  // The run answers the request's message in the requester's chat, and
  // completes the button's update.
  BOOST_TEST(w->runs[0].req.prompt == "the approved request");
  BOOST_TEST(w->runs[0].req.tier == "FULL_ACCESS");
  BOOST_TEST(w->runs[0].req.target.chat_id == 1);
  BOOST_TEST(w->runs[0].req.target.reply_to_message_id == 5);
  BOOST_TEST(w->runs[0].req.target.update_id == 11);
}

BOOST_FIXTURE_TEST_CASE(a_dead_gatekeeper_refuses_everything, fixture) {
  caf::anon_send_exit(gk, caf::exit_reason::kill);
  run();
  send(1, 10, "a");
  press(1, 11, "approve:X");
  BOOST_TEST(w->runs.empty());
  BOOST_REQUIRE_EQUAL(w->notices.size(), 2u);
  BOOST_TEST(w->notices[0].second.find("refused") != std::string::npos);
  BOOST_REQUIRE_EQUAL(w->answers.size(), 1u);
  BOOST_TEST(w->answers[0].second == "Refused.");
  BOOST_TEST(w->done == (std::vector<std::int64_t>{10, 11}));
}

BOOST_FIXTURE_TEST_CASE(non_text_gets_a_notice, fixture) {
  send(1, 10, "", false);
  BOOST_TEST(w->runs.empty());
  BOOST_REQUIRE_EQUAL(w->notices.size(), 1u);
  BOOST_TEST(w->notices[0].first == 1);
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
}

BOOST_FIXTURE_TEST_CASE(typing_is_refreshed_while_a_turn_runs, fixture) {
  send(1, 10, "a");
  BOOST_TEST(w->typing.size() == 1u);
  advance(8s);
  advance(8s);
  BOOST_TEST(w->typing.size() == 3u);
  finish(0);
  advance(8s);
  advance(8s);
  BOOST_TEST(w->typing.size() <= 4u);
}

BOOST_FIXTURE_TEST_CASE(idle_sessions_expire_and_come_back, fixture) {
  send(1, 10, "a");
  finish(0, "kept");
  BOOST_TEST(live_sessions() == 1u);
  advance(5min);
  BOOST_TEST(live_sessions() == 1u);
  for (int i = 0; i < 6; ++i)
    advance(1min);
  BOOST_TEST(live_sessions() == 0u);
  // The conversation survives the actor: the next turn resumes.
  send(1, 11, "b");
  BOOST_REQUIRE_EQUAL(w->runs.size(), 2u);
  BOOST_TEST(w->runs[1].req.resume_id == "kept");
  BOOST_TEST(live_sessions() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_running_session_is_not_expired, fixture) {
  send(1, 10, "slow");
  for (int i = 0; i < 15; ++i)
    advance(1min);
  BOOST_TEST(live_sessions() == 1u);
  send(1, 11, "next");
  BOOST_TEST(w->runs.size() == 1u);
  finish(0);
  BOOST_REQUIRE_EQUAL(w->runs.size(), 2u);
  BOOST_TEST(w->runs[1].req.prompt == "next");
}

namespace {
struct silent_fixture : fixture {
  silent_fixture() : fixture(false) {
  }
};
} // namespace

BOOST_FIXTURE_TEST_CASE(replies_disabled_store_but_never_answer,
                        silent_fixture) {
  send(1, 10, "anyone?");
  BOOST_TEST(w->runs.empty());
  BOOST_TEST(w->notices.empty());
  BOOST_TEST(w->done == std::vector<std::int64_t>{10});
  BOOST_TEST(live_sessions() == 0u);
}
