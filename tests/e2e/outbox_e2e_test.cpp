#define BOOST_TEST_MODULE outbox_e2e
#include <boost/test/unit_test.hpp>

#include "tests/e2e/relay_fixture.hpp"

// The built relay against a loopback Bot API that answers a storm of 429s
// (retry_after 1): every chat still gets its final reply exactly once.

using namespace telclaude::testing;
using namespace std::chrono_literals;

namespace {

/// The chat's messages as users see them, once one that is final holds
/// `needle` (or the timeout passed).
std::vector<bot_message> final_with(relay_fixture& f, std::int64_t chat,
                                    const std::string& needle,
                                    std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto msgs = f.api.messages(chat);
    for (auto& m : msgs)
      if (m.parse_mode == "HTML")
        m.text = parse_html(m.text).plain;
    for (const auto& m : msgs)
      if (!m.is_preview() &&
          m.text.find(needle) != std::string::npos)
        return msgs;
    if (std::chrono::steady_clock::now() >= deadline)
      return msgs;
    std::this_thread::sleep_for(50ms);
  }
}

} // namespace

BOOST_FIXTURE_TEST_CASE(a_429_storm_loses_and_duplicates_nothing,
                        relay_fixture) {
  start();
  fault f{429, "Too Many Requests: retry after 1", 1, std::nullopt, false};
  api.fail_next("sendMessage", 12, f);
  api.fail_next("editMessageText", 12, f);
  for (int chat = 1; chat <= 6; ++chat)
    api.post_message(chat, chat,
                     "[[chunks alpha |beta |gamma]] storm " +
                       std::to_string(chat));
  for (int chat = 1; chat <= 6; ++chat) {
    auto msgs = final_with(*this, chat, "gamma", 120s);
    settle(300ms);
    msgs = final_with(*this, chat, "gamma", 5s);
    BOOST_TEST_CONTEXT("chat " << chat) {
      // One reply: the preview became the final reply in place, and
      // nothing was sent twice (other messages are relay notices).
      std::size_t replies_seen = 0;
      for (const auto& m : msgs) {
        if (m.text.find("alpha") == std::string::npos)
          continue;
        ++replies_seen;
        BOOST_TEST(m.text.find("gamma") != std::string::npos);
        BOOST_TEST(!m.is_preview());
      }
      BOOST_TEST(replies_seen == 1u);
    }
  }
  std::size_t limited = 0;
  for (auto& c : api.calls())
    limited += c.status == 429;
  BOOST_TEST(limited >= 12u); // the storm happened
}
