#define BOOST_TEST_MODULE secrets_self_test
#include <boost/test/unit_test.hpp>

#include "security/secrets_self_test.hpp"

using namespace telclaude::security;

BOOST_AUTO_TEST_CASE(every_family_passes_the_self_test) {
  const auto engine = redaction_engine::compile({});
  const auto results = run_secrets_self_test(*engine);
  BOOST_TEST(results.size() >= 30u);
  for (const auto& r : results) {
    BOOST_TEST(r.planted, r.family);
    BOOST_TEST(r.redacted_ok, r.family);
    BOOST_TEST(r.streamed_ok, r.family);
  }
}
