#define BOOST_TEST_MODULE environment
#include <boost/test/unit_test.hpp>

#include "sandbox/environment.hpp"

#include <stdexcept>

using namespace telclaude::sandbox;
using env = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(only_the_allowlist_enters) {
  env source{"PATH=/usr/bin",
             "LANG=C.UTF-8",
             "LC_ALL=C",
             "TERM=xterm",
             "TZ=UTC",
             "ANTHROPIC_API_KEY=sk-test",
             "ANTHROPIC_BASE_URL=http://127.0.0.1:1",
             "CLAUDE_CODE_MAX_RETRIES=0",
             "HOME=/root",
             "TMPDIR=/var/tmp",
             "USER=root",
             "SSH_AUTH_SOCK=/run/ssh",
             "TELEGRAM_BOT_TOKEN=123:abc",
             "TOTP_ENCRYPTION_KEY=secret",
             "TELCLAUDE_DATA_DIR=/data",
             "AWS_SECRET_ACCESS_KEY=x",
             "malformed"};
  auto out = allowlisted_environment(source, {"/data/sandbox/home", "/tmp",
                                              {}});
  BOOST_TEST(out
               == (env{"PATH=/usr/bin", "LANG=C.UTF-8", "LC_ALL=C",
                       "TERM=xterm", "TZ=UTC", "ANTHROPIC_API_KEY=sk-test",
                       "ANTHROPIC_BASE_URL=http://127.0.0.1:1",
                       "CLAUDE_CODE_MAX_RETRIES=0",
                       "HOME=/data/sandbox/home", "TMPDIR=/tmp"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(extra_names_never_admit_the_relays_secrets) {
  env source{"NODE_ENV=production", "GIT_AUTHOR_NAME=a", "GIT_DIR=/x",
             "TELEGRAM_BOT_TOKEN=1", "TOTP_ENCRYPTION_KEY=2",
             "TELCLAUDE_X=3"};
  auto out = allowlisted_environment(
    source, {"/h", "/tmp",
             {"NODE_ENV", "GIT_AUTHOR_*", "TELEGRAM_BOT_TOKEN", "TOTP_*",
              "TELCLAUDE_*", "HOME"}});
  BOOST_TEST(out
               == (env{"NODE_ENV=production", "GIT_AUTHOR_NAME=a",
                       "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/h",
                       "TMPDIR=/tmp"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(set_variables_sets_fixed_values) {
  // IS_SANDBOX is on no allowlist: it enters because the policy sets it.
  env vars{"PATH=/usr/bin", "IS_SANDBOX=0", "TZ=UTC", "HOME=/h"};
  set_variables(vars, {{"IS_SANDBOX", "1"}, {"TZ", "Europe/Oslo"}});
  BOOST_TEST(vars
               == (env{"PATH=/usr/bin", "HOME=/h", "IS_SANDBOX=1",
                       "TZ=Europe/Oslo"}),
             boost::test_tools::per_element());
  set_variables(vars, {});
  BOOST_TEST(vars.size() == 4u);
}

BOOST_AUTO_TEST_CASE(set_variables_never_sets_reserved_names) {
  for (const char* name : {"HOME", "TMPDIR", "TELEGRAM_BOT_TOKEN",
                           "TELCLAUDE_X", "TOTP_KEY", "", "A=B"}) {
    env vars{"PATH=/usr/bin"};
    BOOST_CHECK_THROW(set_variables(vars, {{"IS_SANDBOX", "1"}, {name, "x"}}),
                      std::invalid_argument);
    BOOST_TEST(vars == env{"PATH=/usr/bin"}, "name: " << name);
  }
}

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(is_allowed_name("LC_CTYPE"));
  BOOST_TEST(is_allowed_name("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"));
  BOOST_TEST(!is_allowed_name("CLAUDE_CONFIG_DIR"));
  BOOST_TEST(!is_allowed_name("ANTHROPIC_AUTH_TOKEN"));
  BOOST_TEST(!is_allowed_name("PATHX"));
  BOOST_TEST(!is_allowed_name(""));
}

BOOST_AUTO_TEST_CASE(process_environment_reads_environ) {
  ::setenv("TELCLAUDE_ENV_TEST", "1", 1);
  auto all = process_environment();
  BOOST_TEST(std::count(all.begin(), all.end(), "TELCLAUDE_ENV_TEST=1") == 1);
}
