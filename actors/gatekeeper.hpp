#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "access/access_control.hpp"
#include "messages/actors.hpp"
#include "storage/database.hpp"

namespace telclaude {

struct gatekeeper_state {
  static inline const char* name = "gatekeeper";
  /// A decision taken in the open group, answered once it is committed.
  struct decided {
    caf::typed_response_promise<gate_reply> promise;
    chat_message msg;
    access::access_outcome outcome;
  };
  std::shared_ptr<storage::database> db;
  /// The TOTP vault's client (null: no 2FA); outlives `access`.
  std::shared_ptr<access::second_factor> factor;
  std::unique_ptr<access::access_control> access;
  audit_actor audit;
  std::chrono::milliseconds sweep_interval{60'000};
  /// The security observer (strict profile; null: none, and every request
  /// the gate would have it classify is held for approval).
  observer_actor observer;
  /// The group commit: one transaction over every decision taken while
  /// the mailbox had gate requests queued.
  std::optional<storage::transaction> group;
  std::vector<decided> waiting;
  /// A batch_end is queued to this actor.
  bool end_queued = false;
  /// Groups are committed at this size even while requests keep coming.
  std::size_t max_group = 256;
  /// Groups and decisions committed, for the bench and the tests.
  std::uint64_t groups = 0;
  std::uint64_t decisions = 0;
};

/// Stands between a message and the agent: one verdict per message from
/// access::access_control (identity, tier, rate limits, approvals, control
/// commands), every verdict audited. Spawn detached: it works on SQLite
/// through its own connection `db`. An exception refuses (fail closed).
///
/// Group commits: the first request of a group opens one transaction
/// (each repository write inside it is a savepoint) and queues a
/// batch_end to itself; every request already queued is decided in that
/// transaction; batch_end (or `max_group` decisions) commits it — one
/// fsync for the group — and only then are the replies sent and the
/// decisions audited. A failed commit refuses every decision of the group
/// (nothing of them is stored), with an audit record each.
gatekeeper_actor::behavior_type
gatekeeper(gatekeeper_actor::stateful_pointer<gatekeeper_state> self,
           std::shared_ptr<storage::database> db,
           access::access_options opts, const clock* wall,
           access::redact_fn redact, audit_actor audit,
           std::chrono::milliseconds sweep_interval,
           std::shared_ptr<access::second_factor> factor = nullptr);

/// The gatekeeper of the strict profile: a request bound for the agent
/// (access_control::needs_observer) is first classified by `observer`,
/// asynchronously (the gatekeeper goes on with other messages), then
/// decided with the observer's answer like any other.
gatekeeper_actor::behavior_type
observed_gatekeeper(gatekeeper_actor::stateful_pointer<gatekeeper_state> self,
                    std::shared_ptr<storage::database> db,
                    access::access_options opts, const clock* wall,
                    access::redact_fn redact, audit_actor audit,
                    std::chrono::milliseconds sweep_interval,
                    std::shared_ptr<access::second_factor> factor,
                    observer_actor observer);

} // namespace telclaude
