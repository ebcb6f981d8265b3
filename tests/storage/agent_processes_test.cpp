#define BOOST_TEST_MODULE storage_agent_processes
#include <boost/test/unit_test.hpp>

#include "storage/agent_processes.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

BOOST_AUTO_TEST_CASE(records_survive_a_reopen_until_removed) {
  temp_dir dir;
  agent_process a{4242, 1000, "boot-a", 17, -100, 5000, "/cg/run-1"};
  agent_process b{4243, 1001, "boot-a", 17, 200, 6000, ""};
  {
    auto db = database::open(dir / "t.db");
    agent_processes procs{db};
    procs.add(a);
    procs.add(b);
  }
  auto db = database::open(dir / "t.db");
  agent_processes procs{db};
  BOOST_TEST((procs.all() == std::vector<agent_process>{a, b}));
  // Only the exact identity is removed: the same pid from another start
  // (pid reuse) or another boot is a different process.
  BOOST_TEST(!procs.remove(4242, 999, "boot-a"));
  BOOST_TEST(!procs.remove(4242, 1000, "boot-b"));
  BOOST_TEST(procs.remove(4242, 1000, "boot-a"));
  BOOST_TEST((procs.all() == std::vector<agent_process>{b}));
}

BOOST_AUTO_TEST_CASE(adding_the_same_identity_twice_keeps_one_row) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  agent_processes procs{db};
  agent_process a{1, 2, "boot", 3, 4, 5, ""};
  procs.add(a);
  a.chat_id = 9;
  procs.add(a);
  BOOST_TEST((procs.all() == std::vector<agent_process>{a}));
}
