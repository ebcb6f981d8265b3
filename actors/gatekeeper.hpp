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

} // namespace telclaude
