#define BOOST_TEST_MODULE totp_client
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include <thread>

#include "actors/totp_client.hpp"

// The relay's TOTP client actor and the gatekeeper's view of it, on real
// threads (the gatekeeper blocks on its answers, as in the relay).

using namespace telclaude;
using namespace std::chrono_literals;

namespace {

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::telclaude>();
    set("logger.verbosity", caf::atom("quiet"));
  }
};

/// "123456" is right for user 1; `delay` makes every answer late.
struct fake_vault final : access::second_factor {
  std::chrono::milliseconds delay{0};
  access::status_answer status(std::int64_t user) override {
    std::this_thread::sleep_for(delay);
    if (user == 99)
      return {std::nullopt, {"unavailable", "no daemon"}};
    return {user == 1 ? access::factor_state::enabled
                      : access::factor_state::not_enrolled,
            {}};
  }
  access::setup_answer setup(std::int64_t user) override {
    if (user == 1)
      return {std::nullopt, {"already_enabled", "on already"}};
    return {"otpauth://totp/x?secret=AAAA", {}};
  }
  access::code_answer verify(std::int64_t, std::string_view code) override {
    if (code == "999999")
      return {access::code_verdict::locked, 30, {}};
    return {code == "123456" ? access::code_verdict::ok
                             : access::code_verdict::wrong,
            0,
            {}};
  }
  access::code_answer disable(std::int64_t user,
                              std::string_view code) override {
    return verify(user, code);
  }
};

struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<fake_vault> vault = std::make_shared<fake_vault>();
  totp_client_actor client = sys.spawn<caf::detached>(
    totp_client, std::shared_ptr<access::second_factor>{vault});
  actor_factor factor{sys, client, 500ms};

  ~fixture() {
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(answers_pass_through_unchanged, fixture) {
  BOOST_TEST((factor.status(1).state == access::factor_state::enabled));
  BOOST_TEST((factor.status(2).state == access::factor_state::not_enrolled));
  auto down = factor.status(99);
  BOOST_TEST(!down.state);
  BOOST_TEST(down.error.code == "unavailable");
  BOOST_TEST(*factor.setup(2).uri == "otpauth://totp/x?secret=AAAA");
  BOOST_TEST(factor.setup(1).error.code == "already_enabled");
  BOOST_TEST((factor.verify(1, "123456").verdict == access::code_verdict::ok));
  BOOST_TEST((factor.disable(1, "000000").verdict
              == access::code_verdict::wrong));
  auto locked = factor.verify(1, "999999");
  BOOST_TEST((locked.verdict == access::code_verdict::locked));
  BOOST_TEST(locked.retry_after_s == 30);
}

BOOST_FIXTURE_TEST_CASE(a_late_or_dead_client_is_unavailable, fixture) {
  vault->delay = 1500ms;
  auto late = factor.status(1);
  BOOST_TEST(!late.state);
  BOOST_TEST(late.error.code == "unavailable");
  vault->delay = 0ms;
  caf::anon_send_exit(client, caf::exit_reason::kill);
  std::this_thread::sleep_for(100ms);
  auto dead = factor.verify(1, "123456");
  BOOST_TEST(!dead.verdict);
  BOOST_TEST(dead.error.code == "unavailable");
}
