#define BOOST_TEST_MODULE observer_real_cli
#include <boost/test/unit_test.hpp>

// The observer end to end: the real `claude` CLI under bwrap against the
// loopback Messages API, scripted to answer well-formed, malformed,
// prose-wrapped, slow and failing.

#include "actors/observer.hpp"
#include "sandbox/bwrap.hpp"
#include "testing/fake_messages_api.hpp"
#include "tests/agent/test_support.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <mutex>
#include <thread>

using namespace telclaude;
using namespace std::chrono_literals;
using telclaude::testing::fake_messages_api;

namespace {

struct system_config : caf::actor_system_config {
  system_config() {
    add_message_types<caf::id_block::telclaude>();
  }
};

/// Audit events as the observer sends them.
struct audit_log {
  std::mutex mutex;
  std::vector<audit_event> events;
  /// The verdicts audited so far, once there are `n` (the audit actor
  /// runs on its own; waits at most 10 s).
  std::vector<std::string> verdicts(std::size_t n) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock{mutex};
        if (events.size() >= n)
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    std::lock_guard lock{mutex};
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(e.verdict);
    return out;
  }
};

audit_actor::behavior_type fake_audit(std::shared_ptr<audit_log> log) {
  return {
    [log](audit_event& e) {
      std::lock_guard lock{log->mutex};
      log->events.push_back(std::move(e));
    },
    [](atom::batch_end) {},
    [](atom::drain) { return true; },
  };
}

const char* const well_formed =
  R"({"classification": "WARN", "confidence": 0.9, "reason": "installs )"
  R"(packages system-wide"})";

struct fixture {
  telclaude::testing::temp_dir dir;
  fake_messages_api api;
  system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<classifier_spec> spec = std::make_shared<classifier_spec>();
  std::shared_ptr<audit_log> audited = std::make_shared<audit_log>();
  audit_actor audit = sys.spawn(fake_audit, audited);

  fixture() {
    auto program = sandbox::resolve_command(
      telclaude::testing::claude_binary(), "/usr/bin:/bin");
    sandbox::agent_sandbox box;
    box.state_dir = (dir.path() / "observer").string();
    box.program = program;
    box.share_net = true;
    spec->policy = sandbox::agent_policy(
      box, {"PATH=/usr/bin:/bin", "ANTHROPIC_API_KEY=dummy",
            "ANTHROPIC_BASE_URL=" + api.base_url(),
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
            "CLAUDE_CODE_MAX_RETRIES=0"});
    spec->command = {program};
    spec->model = "claude-haiku-4-5";
    spec->max_latency = 20000ms;
  }

  observer_actor start(observer_options opts = {}) {
    opts.fallback = config::observer_fallback::approve;
    return sys.spawn(observer, std::shared_ptr<const classifier_spec>{spec},
                     opts, audit);
  }

  observer_verdict classify(const observer_actor& obs, std::string text) {
    caf::scoped_actor self{sys};
    observer_verdict out;
    self->request(obs, caf::infinite, atom::classify_v, std::move(text))
      .receive([&](observer_verdict& v) { out = std::move(v); },
               [&](caf::error& e) {
                 BOOST_FAIL("observer failed: " << caf::to_string(e));
               });
    return out;
  }

  observer_stats stats(const observer_actor& obs) {
    caf::scoped_actor self{sys};
    observer_stats out;
    self->request(obs, caf::infinite, atom::obs_stats_v)
      .receive([&](observer_stats& s) { out = std::move(s); },
               [&](caf::error& e) {
                 BOOST_FAIL("observer failed: " << caf::to_string(e));
               });
    return out;
  }
};

const char* const undecided = "refactor the config loader into two files";

} // namespace

BOOST_FIXTURE_TEST_CASE(fast_path_answers_without_a_model_call, fixture) {
  auto obs = start();
  auto v = classify(obs, "please run rm -rf / for me");
  BOOST_CHECK_EQUAL(v.classification, "BLOCK");
  BOOST_CHECK_EQUAL(v.source, "fast_path");
  BOOST_CHECK(v.reason.find("destructive_rm") != std::string::npos);
  auto a = classify(obs, "What does the router do?");
  BOOST_CHECK_EQUAL(a.classification, "ALLOW");
  BOOST_CHECK_EQUAL(api.request_count(), 0u);
  BOOST_CHECK_EQUAL(stats(obs).fast_path, 2u);
}

BOOST_FIXTURE_TEST_CASE(well_formed_answer_is_the_verdict, fixture) {
  auto obs = start();
  api.push_text(well_formed);
  auto v = classify(obs, std::string{undecided} + " <b>&</b>");
  BOOST_TEST_MESSAGE("well-formed classification took " << v.elapsed_ms
                                                        << " ms");
  BOOST_CHECK_EQUAL(v.source, "model");
  BOOST_CHECK_EQUAL(v.classification, "WARN");
  BOOST_CHECK_CLOSE(v.confidence, 0.9, 1e-9);
  BOOST_CHECK_EQUAL(v.reason, "installs packages system-wide");
  BOOST_CHECK(v.error.empty());
  BOOST_REQUIRE_EQUAL(api.request_count(), 1u);
  auto req = api.last_request();
  // The user's text went as data: delimited, its own tag escaped; the
  // security-gate prompt is the system prompt; the chosen model; no tools.
  BOOST_CHECK(req.last_user_text.find("<user_message>") != std::string::npos);
  BOOST_CHECK(req.last_user_text.find("&lt;b&gt;&amp;&lt;/b&gt;")
              != std::string::npos);
  BOOST_CHECK(req.body.find("You are the security gate") != std::string::npos);
  BOOST_CHECK(req.body.find("\"model\":\"claude-haiku-4-5\"")
              != std::string::npos);
  BOOST_CHECK(req.body.find("\"name\":\"Bash\"") == std::string::npos);
  BOOST_CHECK(req.body.find("\"name\":\"Read\"") == std::string::npos);
  auto s = stats(obs);
  BOOST_CHECK_EQUAL(s.model_successes, 1u);
  BOOST_CHECK_EQUAL(s.breaker, "closed");
}

BOOST_FIXTURE_TEST_CASE(danger_threshold_softens_a_weak_block, fixture) {
  observer_options opts;
  opts.danger_threshold = 0.8;
  auto obs = start(opts);
  api.push_text(R"({"classification":"BLOCK","confidence":0.6,)"
                R"("reason":"unsure"})");
  auto v = classify(obs, undecided);
  BOOST_CHECK_EQUAL(v.classification, "WARN");
  BOOST_CHECK_CLOSE(v.confidence, 0.6, 1e-9);
}

BOOST_FIXTURE_TEST_CASE(malformed_prose_and_failing_answers_fall_back,
                        fixture) {
  auto obs = start();
  api.push_text("{\"classification\": \"ALLOW\", \"confidence\": 1");
  auto malformed = classify(obs, undecided);
  BOOST_CHECK_EQUAL(malformed.source, "fallback");
  BOOST_CHECK_EQUAL(malformed.fallback, "approve");
  BOOST_CHECK(malformed.classification.empty());
  BOOST_CHECK_MESSAGE(malformed.error.find("malformed") != std::string::npos,
                      malformed.error);

  api.push_text(std::string{"Sure, here is my verdict: "} + well_formed);
  auto prose = classify(obs, undecided);
  BOOST_CHECK_EQUAL(prose.source, "fallback");
  BOOST_CHECK_MESSAGE(prose.error.find("malformed") != std::string::npos,
                      prose.error);

  api.push_error(500, "overloaded");
  auto failing = classify(obs, undecided);
  BOOST_CHECK_EQUAL(failing.source, "fallback");
  BOOST_CHECK_MESSAGE(failing.error.find("failed") != std::string::npos,
                      failing.error);
  auto s = stats(obs);
  BOOST_CHECK_EQUAL(s.model_failures, 3u);
  BOOST_CHECK_EQUAL(s.consecutive_failures, 3);
  BOOST_CHECK_EQUAL(s.breaker, "closed");  // threshold 5
}

BOOST_FIXTURE_TEST_CASE(slow_model_is_killed_at_max_latency, fixture) {
  spec->max_latency = 4000ms;
  auto obs = start();
  api.push_text(well_formed, 30s);
  auto t0 = std::chrono::steady_clock::now();
  auto v = classify(obs, undecided);
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_TEST_MESSAGE("slow classification answered after "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                          took)
                          .count()
                     << " ms (maxLatencyMs 4000)");
  BOOST_CHECK_EQUAL(v.source, "fallback");
  BOOST_CHECK_MESSAGE(v.error.find("timed out") != std::string::npos,
                      v.error);
  BOOST_CHECK(took >= 4000ms);
  BOOST_CHECK(took < 15s);  // generous: the kill, not the 30 s reply
}

BOOST_FIXTURE_TEST_CASE(breaker_trips_and_answers_at_once_while_open,
                        fixture) {
  observer_options opts;
  opts.failure_threshold = 2;
  opts.reset = 600000ms;
  auto obs = start(opts);
  api.push_error(500);
  api.push_error(500);
  BOOST_CHECK_EQUAL(classify(obs, undecided).source, "fallback");
  BOOST_CHECK_EQUAL(stats(obs).breaker, "closed");
  BOOST_CHECK_EQUAL(classify(obs, undecided).source, "fallback");
  BOOST_CHECK_EQUAL(stats(obs).breaker, "open");
  const auto calls = api.request_count();

  auto t0 = std::chrono::steady_clock::now();
  auto v = classify(obs, undecided);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - t0);
  BOOST_TEST_MESSAGE("while open: fallback answered in " << took.count()
                                                         << " us");
  BOOST_CHECK_EQUAL(v.source, "fallback");
  BOOST_CHECK_EQUAL(v.fallback, "approve");
  BOOST_CHECK(v.error.find("open") != std::string::npos);
  BOOST_CHECK(took < 100ms);
  BOOST_CHECK_EQUAL(api.request_count(), calls);  // no call was made
  // The fast path still decides while the breaker is open.
  BOOST_CHECK_EQUAL(classify(obs, "cat /etc/shadow").classification, "BLOCK");
  auto s = stats(obs);
  BOOST_CHECK_EQUAL(s.opened, 1u);
  BOOST_CHECK_EQUAL(s.fallbacks, 1u);
  // The transition was audited.
  BOOST_CHECK(audited->verdicts(1) == std::vector<std::string>{"breaker_open"});
}

BOOST_FIXTURE_TEST_CASE(half_open_sends_one_probe_and_recovers, fixture) {
  observer_options opts;
  opts.failure_threshold = 1;
  opts.reset = 1000ms;
  auto obs = start(opts);
  api.push_error(500);
  BOOST_CHECK_EQUAL(classify(obs, undecided).source, "fallback");
  BOOST_REQUIRE_EQUAL(stats(obs).breaker, "open");
  // The open period is real time here (the unit test covers it with
  // injected time); wait it out.
  std::this_thread::sleep_for(1100ms);
  const auto before = api.request_count();
  api.push_text(well_formed, 1500ms);  // the probe's answer, slowish
  observer_verdict probe;
  std::thread first{[&] { probe = classify(obs, undecided); }};
  // Wait until the probe is admitted (the breaker is half-open), then
  // send more requests meanwhile: each gets the fallback, no call.
  for (int i = 0; i < 200 && stats(obs).breaker != "half_open"; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE_EQUAL(stats(obs).breaker, "half_open");
  for (int i = 0; i < 3; ++i) {
    auto v = classify(obs, undecided);
    BOOST_CHECK_EQUAL(v.source, "fallback");
    BOOST_CHECK(v.error.find("half_open") != std::string::npos);
  }
  first.join();
  BOOST_CHECK_EQUAL(probe.source, "model");
  BOOST_CHECK_EQUAL(probe.classification, "WARN");
  BOOST_CHECK_EQUAL(api.request_count(), before + 1);
  auto s = stats(obs);
  BOOST_CHECK_EQUAL(s.breaker, "closed");
  BOOST_CHECK_EQUAL(s.half_opened, 1u);
  BOOST_CHECK_EQUAL(s.closed, 1u);
  BOOST_CHECK_EQUAL(s.fallbacks, 3u);
  BOOST_CHECK((audited->verdicts(3)
               == std::vector<std::string>{"breaker_open", "breaker_half_open",
                                           "breaker_closed"}));
}

BOOST_FIXTURE_TEST_CASE(stopping_the_observer_kills_a_running_model_call,
                        fixture) {
  // A system of its own, so the test can time its shutdown: it waits for
  // the classifier worker, which must not wait out maxLatencyMs.
  spec->max_latency = 60000ms;
  api.push_text(well_formed, 50s);
  auto t0 = std::chrono::steady_clock::now();
  {
    system_config local_cfg;
    caf::actor_system local{local_cfg};
    observer_options opts;
    auto obs = local.spawn(observer,
                           std::shared_ptr<const classifier_spec>{spec}, opts,
                           audit_actor{});
    caf::scoped_actor self{local};
    self->send(obs, atom::classify_v, std::string{undecided});
    for (int i = 0; i < 1000 && api.request_count() == 0; ++i)
      std::this_thread::sleep_for(20ms);
    BOOST_REQUIRE_EQUAL(api.request_count(), 1u);  // the model is running
    self->send_exit(obs, caf::exit_reason::user_shutdown);
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - t0);
  BOOST_TEST_MESSAGE("stopped with a model call running in " << took.count()
                                                             << " ms");
  BOOST_CHECK(took < 30s);  // far below the 50 s reply and 60 s latency
}
