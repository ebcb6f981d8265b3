#define BOOST_TEST_MODULE storage_relay_state
#include <boost/test/unit_test.hpp>

#include "storage/relay_state.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

BOOST_AUTO_TEST_CASE(values_are_set_replaced_and_kept_across_reopen) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    relay_state state{db};
    BOOST_TEST(!state.get("poll_offset"));
    state.set("poll_offset", "100");
    state.set("poll_offset", "101");
    state.set("last_poll_ms", "1700000000000");
    BOOST_TEST(*state.get("poll_offset") == "101");
  }
  auto db = database::open(dir / "t.db");
  relay_state state{db};
  BOOST_TEST(*state.get("poll_offset") == "101");
  BOOST_TEST(*state.get("last_poll_ms") == "1700000000000");
}
