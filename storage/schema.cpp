#include "storage/schema.hpp"

#include "storage/agent_sessions.hpp"
#include "storage/database.hpp"
#include "storage/inbox.hpp"
#include "storage/relay_state.hpp"

#include <array>
#include <string_view>

namespace telclaude::storage {

namespace {

/// Each repository declares its own tables as `schema`; a new repository
/// adds one line here.
constexpr std::array<std::string_view, 3> tables{
  inbox::schema,
  agent_sessions::schema,
  relay_state::schema,
};

} // namespace

void create_schema(database& db) {
  auto tx = db.begin_immediate();
  for (auto ddl : tables)
    db.exec(ddl);
  tx.commit();
}

} // namespace telclaude::storage
