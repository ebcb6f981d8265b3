#include "storage/schema.hpp"

#include "storage/admin.hpp"
#include "storage/agent_processes.hpp"
#include "storage/agent_sessions.hpp"
#include "storage/approvals.hpp"
#include "storage/audit_log.hpp"
#include "storage/auth_codes.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "storage/inbox.hpp"
#include "storage/rate_windows.hpp"
#include "storage/relay_state.hpp"
#include "storage/totp_sessions.hpp"

#include <array>
#include <string_view>

namespace telclaude::storage {

namespace {

/// Each repository declares its own tables as `schema`; a new repository
/// adds one line here.
constexpr std::array<std::string_view, 11> tables{
  inbox::schema,
  agent_sessions::schema,
  relay_state::schema,
  identity_links::schema,
  admin::schema,
  auth_codes::schema,
  approvals::schema,
  rate_windows::schema,
  audit_log::schema,
  totp_sessions::schema,
  agent_processes::schema,
};

} // namespace

void create_schema(database& db) {
  auto tx = db.begin_immediate();
  for (auto ddl : tables)
    db.exec(ddl);
  tx.commit();
}

} // namespace telclaude::storage
