#pragma once

// A thin Boost.Test fixture over CAF's deterministic test_coordinator
// (caf/test/dsl.hpp crashes under Boost's runner; see shared notes).

#include <caf/all.hpp>

#include "messages/actors.hpp"

namespace telclaude::testing {

struct actor_config : caf::actor_system_config {
  actor_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
    add_message_types<caf::id_block::telclaude>();
  }
};

struct actor_fixture {
  actor_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  /// Runs every job that is ready (no timers fire).
  void run() {
    sched.run();
  }

  /// Moves simulated time forward, firing due timers, then runs.
  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }
};

} // namespace telclaude::testing
