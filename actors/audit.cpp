#include "actors/audit.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace telclaude {

namespace {

using self_ptr = audit_actor::stateful_pointer<audit_state>;

void failed(audit_state& s, std::size_t records, const std::exception& ex) {
  s.failures += records;
  spdlog::error("audit: {} record(s) not written ({} so far): {}", records,
                s.failures, ex.what());
}

/// Commits the open group and syncs the file.
void end_group(self_ptr self) {
  auto& s = self->state;
  auto records = s.in_group;
  s.in_group = 0;
  if (s.group) {
    try {
      s.group->commit();
    } catch (const std::exception& ex) {
      failed(s, records, ex);
    }
    s.group.reset();
  }
  if (s.file && s.unsynced > 0) {
    auto lines = s.unsynced;
    s.unsynced = 0;
    try {
      s.file->sync();
    } catch (const std::exception& ex) {
      failed(s, lines, ex);
    }
  }
}

void write(self_ptr self, audit_event& e) {
  auto& s = self->state;
  e.reason = s.redact(e.reason);
  e.excerpt = s.redact(e.excerpt);
  auto record = access::to_record(e);
  if (s.table && !s.group && !s.db->in_transaction()) {
    try {
      s.group.emplace(s.db->begin_immediate());
    } catch (const std::exception& ex) {
      // The insert below then stands alone (autocommit).
      spdlog::warn("audit: cannot open a group ({})", ex.what());
    }
  }
  if (!s.end_queued) {
    s.end_queued = true;
    self->send(self, atom::batch_end_v);
  }
  ++s.in_group;
  try {
    if (s.table)
      record.id = s.table->append(record);
  } catch (const std::exception& ex) {
    failed(s, 1, ex);
  }
  try {
    if (s.file) {
      s.file->write(record);
      ++s.unsynced;
    }
  } catch (const std::exception& ex) {
    failed(s, 1, ex);
  }
  if (s.in_group >= s.max_group)
    end_group(self);
}

} // namespace

audit_actor::behavior_type
audit(self_ptr self, std::shared_ptr<storage::database> db,
      std::shared_ptr<storage::audit_file> file, access::redact_fn redact) {
  auto& st = self->state;
  st.db = std::move(db);
  if (st.db)
    st.table = std::make_unique<storage::audit_log>(*st.db);
  st.redact = std::move(redact);
  st.file = std::move(file);
  // Records handed over are on disk before the actor ends.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    end_group(self);
    self->quit(msg.reason);
  });
  return {
    [self](audit_event& e) { write(self, e); },
    [self](atom::batch_end) {
      self->state.end_queued = false;
      end_group(self);
    },
    [self](atom::drain) {
      end_group(self);
      return true;
    },
  };
}

} // namespace telclaude
