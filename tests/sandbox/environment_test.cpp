#define BOOST_TEST_MODULE environment
#include <boost/test/unit_test.hpp>

#include "sandbox/environment.hpp"

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
