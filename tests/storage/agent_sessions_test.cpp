#define BOOST_TEST_MODULE storage_agent_sessions
#include <boost/test/unit_test.hpp>

#include "storage/agent_sessions.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

BOOST_AUTO_TEST_CASE(upsert_inserts_then_replaces) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  agent_sessions sessions{db};
  BOOST_TEST(!sessions.get("chat:42"));
  sessions.upsert({"chat:42", 42, std::nullopt, 1000, 0});
  auto first = sessions.get("chat:42");
  BOOST_REQUIRE(first);
  BOOST_TEST(first->chat_id == 42);
  BOOST_TEST(!first->agent_session_id);
  BOOST_TEST(first->last_activity_ms == 1000);
  BOOST_TEST(first->turns == 0);

  sessions.upsert({"chat:42", 42, "sess-1", 2000, 3});
  auto second = sessions.get("chat:42");
  BOOST_REQUIRE(second);
  BOOST_TEST(*second->agent_session_id == "sess-1");
  BOOST_TEST(second->last_activity_ms == 2000);
  BOOST_TEST(second->turns == 3);
  BOOST_TEST(sessions.count() == 1u);
}

BOOST_AUTO_TEST_CASE(clear_forgets_the_agent_session_but_keeps_the_row) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  agent_sessions sessions{db};
  sessions.upsert({"chat:7", 7, "sess-7", 500, 9});
  sessions.clear_agent_session("chat:7");
  sessions.clear_agent_session("unknown");
  auto s = sessions.get("chat:7");
  BOOST_REQUIRE(s);
  BOOST_TEST(!s->agent_session_id);
  BOOST_TEST(s->turns == 0);
  BOOST_TEST(s->last_activity_ms == 500);
  BOOST_TEST(sessions.count() == 1u);
}

BOOST_AUTO_TEST_CASE(list_returns_every_session_by_key_after_reopen) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    agent_sessions sessions{db};
    sessions.upsert({"b", 2, "s-b", 20, 1});
    sessions.upsert({"a", 1, std::nullopt, 10, 0});
  }
  auto db = database::open(dir / "t.db");
  agent_sessions sessions{db};
  auto all = sessions.list();
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].key == "a");
  BOOST_TEST(all[1].key == "b");
  BOOST_TEST(*all[1].agent_session_id == "s-b");
  BOOST_TEST(sessions.count() == 2u);
}
