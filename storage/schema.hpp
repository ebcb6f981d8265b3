#pragma once

namespace telclaude::storage {

class database;

/// Creates every table that does not exist yet, in one transaction. The
/// schema is created fresh: there are no migrations (unreleased).
void create_schema(database& db);

} // namespace telclaude::storage
