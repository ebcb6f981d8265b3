#define BOOST_TEST_MODULE vault
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "totp/rfc6238.hpp"
#include "totp/vault.hpp"

using namespace telclaude::totp;
using namespace std::chrono_literals;

namespace {

/// A vault over a manual clock whose writes land in `saved`.
struct vault_fixture {
  telclaude::manual_clock clock{
    telclaude::clock::time_point{std::chrono::seconds{1'700'000'000}}};
  std::vector<enrollment> saved;
  bool fail_writes = false;
  vault v{{},
          [this](const std::vector<enrollment>& e) {
            if (fail_writes)
              throw std::runtime_error("disk full");
            saved = e;
          },
          clock};

  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
             clock.now().time_since_epoch())
      .count();
  }

  /// Starts set-up for `user` and returns the secret from the URI.
  secret_bytes enroll(std::int64_t user) {
    auto uri = v.setup(user, "tg:" + std::to_string(user), "telclaude");
    BOOST_REQUIRE(uri);
    auto at = uri->find("secret=") + 7;
    auto secret = base32_decode(uri->substr(at, uri->find('&', at) - at));
    BOOST_REQUIRE(secret);
    return *secret;
  }

  std::string code(const secret_bytes& s) const {
    return code_at(s, now());
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(setup_then_a_valid_code_enables, vault_fixture) {
  BOOST_TEST(!v.status(1).enabled);
  BOOST_TEST(!v.status(1).pending);
  auto secret = enroll(1);
  BOOST_TEST(v.status(1).pending);
  BOOST_TEST(saved.size() == 1u);
  BOOST_TEST(!saved[0].enabled);
  BOOST_TEST(v.verify(1, code(secret)).valid());
  BOOST_TEST(v.status(1).enabled);
  BOOST_TEST(!v.status(1).pending);
  BOOST_TEST(saved[0].enabled);
  BOOST_TEST((saved[0].last_step == step_at(now())));
}

BOOST_FIXTURE_TEST_CASE(setup_is_refused_once_enabled, vault_fixture) {
  auto secret = enroll(1);
  BOOST_TEST(v.verify(1, code(secret)).valid());
  BOOST_TEST(!v.setup(1, "tg:1", "telclaude"));
}

BOOST_FIXTURE_TEST_CASE(a_second_setup_replaces_the_pending_secret,
                        vault_fixture) {
  auto first = enroll(1);
  auto second = enroll(1);
  BOOST_TEST((first != second));
  BOOST_TEST(saved.size() == 1u);
  // Skip the one-in-a-million case of equal codes.
  if (code(first) != code(second))
    BOOST_TEST(to_string(v.verify(1, code(first)).reason) == "wrong");
  BOOST_TEST(v.verify(1, code(second)).valid());
}

BOOST_FIXTURE_TEST_CASE(a_code_is_accepted_once, vault_fixture) {
  auto secret = enroll(1);
  auto c = code(secret);
  BOOST_TEST(v.verify(1, c).valid());
  BOOST_TEST(to_string(v.verify(1, c).reason) == "replayed");
  // The previous step's code is inside the drift window but older.
  auto older = code_for_step(secret, step_at(now()) - 1);
  if (older != c)
    BOOST_TEST(to_string(v.verify(1, older).reason) == "replayed");
  clock.advance(30s);
  BOOST_TEST(v.verify(1, code(secret)).valid());
}

BOOST_FIXTURE_TEST_CASE(five_wrong_codes_lock_out_even_the_right_one,
                        vault_fixture) {
  auto secret = enroll(1);
  auto right = code(secret);
  auto wrong = right == "000000" ? std::string{"111111"} : "000000";
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(to_string(v.verify(1, wrong).reason) == "wrong");
  auto r = v.verify(1, right);
  BOOST_TEST(to_string(r.reason) == "locked");
  BOOST_TEST((r.retry_after_s == 300));
  clock.advance(301s);
  BOOST_TEST(v.verify(1, code(secret)).valid());
}

BOOST_FIXTURE_TEST_CASE(unknown_users_are_not_enrolled, vault_fixture) {
  BOOST_TEST(to_string(v.verify(9, "123456").reason) == "not_enrolled");
  BOOST_TEST(to_string(v.disable(9, "123456").reason) == "not_enrolled");
}

BOOST_FIXTURE_TEST_CASE(disable_needs_a_valid_code_and_removes_the_secret,
                        vault_fixture) {
  auto secret = enroll(1);
  BOOST_TEST(v.verify(1, code(secret)).valid());
  clock.advance(30s);
  auto right = code(secret);
  BOOST_TEST(to_string(v.disable(1, right == "000000" ? "111111" : "000000")
                         .reason)
             == "wrong");
  BOOST_TEST(v.status(1).enabled);
  BOOST_TEST(v.disable(1, right).valid());
  BOOST_TEST(!v.status(1).enabled);
  BOOST_TEST(saved.empty());
}

BOOST_FIXTURE_TEST_CASE(a_failed_write_changes_nothing, vault_fixture) {
  auto secret = enroll(1);
  fail_writes = true;
  BOOST_CHECK_THROW(v.verify(1, code(secret)), std::runtime_error);
  BOOST_TEST(v.status(1).pending);
  BOOST_CHECK_THROW(v.setup(2, "tg:2", "telclaude"), std::runtime_error);
  BOOST_TEST(!v.status(2).pending);
  fail_writes = false;
  BOOST_TEST(v.verify(1, code(secret)).valid());
}

BOOST_AUTO_TEST_CASE(a_restored_vault_keeps_refusing_replays) {
  telclaude::manual_clock clock{
    telclaude::clock::time_point{std::chrono::seconds{1'700'000'000}}};
  auto secret = generate_secret();
  auto step = step_at(1'700'000'000);
  vault v{{{5, secret, true, step}}, [](const auto&) {}, clock};
  BOOST_TEST(to_string(v.verify(5, code_for_step(secret, step)).reason)
             == "replayed");
}
