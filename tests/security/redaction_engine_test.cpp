#define BOOST_TEST_MODULE redaction_engine
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "security/redaction_engine.hpp"
#include "security/secret_examples.hpp"

#include <random>

using namespace telclaude::security;

namespace {

bool fails_with(const redaction_settings& s, std::string_view code,
                std::string_view mentions) {
  try {
    redaction_engine::compile(s);
  } catch (const telclaude::user_error& e) {
    return e.code() == code &&
           std::string_view(e.what()).find(mentions) != std::string::npos;
  }
  return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_core_family_is_redacted) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(11);
  for (int round = 0; round < 50; ++round) {
    for (const auto& ex : make_secret_examples(rng)) {
      std::vector<finding> found;
      const auto out = engine->redact(ex.text, &found);
      BOOST_TEST(out.find("[REDACTED:" + ex.pattern_id + "]") !=
                   std::string::npos,
                 ex.family << ": " << out);
      if (ex.pattern_id != entropy_pattern_id) {
        BOOST_TEST(!reveals_any(out, ex.values), ex.family << ": " << out);
      }
      BOOST_TEST(!found.empty());
      for (const auto& f : found) {
        BOOST_TEST(f.begin < f.end);
        BOOST_TEST(f.end <= ex.text.size());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(lookalikes_pass_untouched) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(12);
  for (int round = 0; round < 50; ++round) {
    for (const auto& text : make_negative_examples(rng)) {
      BOOST_TEST(engine->redact(text) == text);
      BOOST_TEST(!engine->contains_secret(text));
    }
  }
}

BOOST_AUTO_TEST_CASE(keeps_context_and_redacts_only_the_value) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(5);
  const auto pw = random_string(rng, alphabets::base62, 12) + "!7";
  BOOST_TEST(engine->redact("postgres://app:" + pw + "@db:5432/x") ==
             "postgres://app:[REDACTED:connection-url-password]@db:5432/x");
  BOOST_TEST(engine->redact("password: \"" + pw + "\"") ==
             "password: \"[REDACTED:generic-secret]\"");
  BOOST_TEST(engine->redact("-----BEGIN RSA PRIVATE KEY-----\nMIIE" + pw +
                            "\n-----END RSA PRIVATE KEY-----\nok") ==
             "-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key]\nok");
}

BOOST_AUTO_TEST_CASE(unterminated_pem_block_is_suppressed_to_the_end) {
  const auto engine = redaction_engine::compile({});
  const std::string text = "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n"
                           "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
                           "and then the stream ends";
  BOOST_TEST(engine->redact(text) ==
             "key:\n-----BEGIN OPENSSH PRIVATE KEY-----"
             "[REDACTED:private-key]");
}

BOOST_AUTO_TEST_CASE(user_patterns_join_the_database) {
  redaction_settings s;
  s.additional_patterns = {{"my_api_key", "my-api-[a-z0-9]{32}"},
                           {"ticket", "TICKET-[0-9]+\\b"}};
  const auto engine = redaction_engine::compile(s);
  const std::string key = "my-api-0123456789abcdef0123456789abcdef";
  BOOST_TEST(engine->redact("use " + key + " now") ==
             "use [REDACTED:my_api_key] now");
  BOOST_TEST(engine->redact("see TICKET-1234") == "see [REDACTED:ticket]");
  BOOST_TEST(engine->contains_secret("x " + key));
}

BOOST_AUTO_TEST_CASE(bad_user_patterns_stop_start_up_naming_the_id) {
  redaction_settings s;
  s.additional_patterns = {{"broken", "abc(def"}};
  BOOST_TEST(fails_with(s, "redact.pattern", "\"broken\""));
  s.additional_patterns = {{"empty", "x*"}};
  BOOST_TEST(fails_with(s, "redact.pattern", "empty text"));
  s.additional_patterns = {{"jwt", "abc"}};
  BOOST_TEST(fails_with(s, "redact.pattern_id", "CORE"));
  s.additional_patterns = {{"a", "abc"}, {"a", "def"}};
  BOOST_TEST(fails_with(s, "redact.pattern_id", "twice"));
  s.additional_patterns = {{"has space", "abc"}};
  BOOST_TEST(fails_with(s, "redact.pattern_id", "invalid id"));
}

BOOST_AUTO_TEST_CASE(contains_secret_ignores_entropy_only) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(9);
  const auto blob = random_string(rng, alphabets::base64, 64);
  BOOST_TEST(engine->redact(blob) == "[REDACTED:high-entropy]");
  BOOST_TEST(!engine->contains_secret(blob));
  BOOST_TEST(engine->contains_secret(
    "ghp_" + random_string(rng, alphabets::base62, 36)));
}
