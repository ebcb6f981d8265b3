#pragma once

#include <chrono>
#include <memory>

#include "access/access_control.hpp"
#include "messages/actors.hpp"

namespace telclaude {

struct gatekeeper_state {
  static inline const char* name = "gatekeeper";
  std::shared_ptr<storage::database> db;
  /// The TOTP vault's client (null: no 2FA); outlives `access`.
  std::shared_ptr<access::second_factor> factor;
  std::unique_ptr<access::access_control> access;
  audit_actor audit;
  std::chrono::milliseconds sweep_interval{60'000};
  /// The security observer (strict profile; null: none, and every request
  /// the gate would have it classify is held for approval).
  observer_actor observer;
};

/// Stands between a message and the agent: one verdict per message from
/// access::access_control (identity, tier, rate limits, approvals, control
/// commands), every verdict audited. Spawn detached: it works on SQLite
/// through its own connection `db`. An exception refuses (fail closed).
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
