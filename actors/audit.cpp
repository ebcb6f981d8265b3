#include "actors/audit.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

audit_actor::behavior_type
audit(audit_actor::stateful_pointer<audit_state> self,
      std::shared_ptr<storage::database> db,
      std::shared_ptr<storage::audit_file> file, access::redact_fn redact) {
  auto& st = self->state;
  st.db = std::move(db);
  if (st.db)
    st.table = std::make_unique<storage::audit_log>(*st.db);
  st.redact = std::move(redact);
  st.file = std::move(file);
  return {
    [self](audit_event& e) {
      auto& s = self->state;
      e.reason = s.redact(e.reason);
      e.excerpt = s.redact(e.excerpt);
      auto record = access::to_record(e);
      try {
        if (s.table)
          record.id = s.table->append(record);
        if (s.file)
          s.file->append(record);
      } catch (const std::exception& ex) {
        ++s.failures;
        spdlog::error("audit: record not written ({} so far): {}",
                      s.failures, ex.what());
      }
    },
    [](atom::drain) { return true; },
  };
}

} // namespace telclaude
