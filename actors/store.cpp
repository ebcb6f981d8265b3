#include "actors/store.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>


namespace telclaude {

namespace {

constexpr auto offset_key = "poll.offset";
constexpr auto last_poll_key = "poll.last_ms";
/// Answered updates are kept a day (Telegram keeps unconfirmed ones 24 h).
constexpr long long keep_done_ms = 24LL * 3600 * 1000;

caf::error storage_failure(const std::exception& e) {
  spdlog::error("store: {}", e.what());
  return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
}

using self_ptr = store_actor::stateful_pointer<store_state>;

/// Opens a group unless one is open (when it cannot, each write stands
/// alone).
void open_group(self_ptr self) {
  auto& s = self->state;
  if (s.group || s.db->in_transaction())
    return;
  try {
    s.group.emplace(s.db->begin_immediate());
  } catch (const std::exception& e) {
    spdlog::warn("store: cannot open a group commit: {}", e.what());
    return;
  }
  if (!s.end_queued) {
    s.end_queued = true;
    self->send(self, atom::batch_end_v);
  }
}

/// Commits the open group; throws what the commit threw.
void end_group(self_ptr self) {
  auto& s = self->state;
  if (!s.group)
    return;
  auto group = std::move(s.group);
  s.group.reset();
  group->commit();
}

/// end_group() for callers nobody answers: a failure is logged.
void end_group_logged(self_ptr self) {
  try {
    end_group(self);
  } catch (const std::exception& e) {
    spdlog::error("store: a group of writes was not committed: {}",
                  e.what());
  }
}

} // namespace

store_actor::behavior_type
store(self_ptr self, std::shared_ptr<storage::database> db,
      const clock* wall) {
  auto& st = self->state;
  st.wall = wall;
  st.db = std::move(db);
  st.inbox = std::make_unique<storage::inbox>(*st.db);
  st.sessions = std::make_unique<storage::agent_sessions>(*st.db);
  st.relay = std::make_unique<storage::relay_state>(*st.db);
  // Writes already handed over are committed before the actor ends.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    end_group_logged(self);
    self->quit(msg.reason);
  });
  return {
    [self](atom::inbox_add, std::vector<stored_update>& xs,
           std::int64_t next_offset)
             -> caf::result<std::vector<std::int64_t>> {
      auto& s = self->state;
      try {
        // The updates and the writes grouped before them commit together,
        // before the answer: the poller confirms the offset after it.
        open_group(self);
        auto now = to_unix_ms(s.wall->now());
        std::vector<storage::inbox_entry> entries;
        entries.reserve(xs.size());
        for (auto& x : xs)
          entries.push_back({x.update_id, x.chat_id, std::move(x.payload),
                             now});
        auto fresh = s.inbox->add(entries);
        s.relay->set(offset_key, std::to_string(next_offset));
        s.relay->set(last_poll_key, std::to_string(now));
        if (++s.adds_since_prune >= 1000) {
          s.adds_since_prune = 0;
          s.inbox->prune_done(now - keep_done_ms);
        }
        end_group(self);
        return fresh;
      } catch (const std::exception& e) {
        s.group.reset();  // rolls back: nothing of it was stored
        return storage_failure(e);
      }
    },
    [self](atom::batch_end) {
      self->state.end_queued = false;
      end_group_logged(self);
    },
    [self](atom::inbox_done, std::int64_t update_id) {
      auto& s = self->state;
      try {
        open_group(self);
        s.inbox->mark_done(update_id, to_unix_ms(s.wall->now()));
      } catch (const std::exception& e) {
        storage_failure(e);
      }
    },
    [self](atom::inbox_pend) -> caf::result<std::vector<stored_update>> {
      try {
        std::vector<stored_update> result;
        for (auto& e : self->state.inbox->pending())
          result.push_back({e.update_id, e.chat_id, std::move(e.payload)});
        return result;
      } catch (const std::exception& e) {
        return storage_failure(e);
      }
    },
    [self](atom::offset) -> caf::result<std::int64_t> {
      auto& s = self->state;
      try {
        std::int64_t offset = 0;
        if (auto stored = s.relay->get(offset_key))
          offset = std::stoll(*stored);
        if (auto max_id = s.inbox->max_update_id())
          offset = std::max(offset, *max_id + 1);
        return offset;
      } catch (const std::exception& e) {
        return storage_failure(e);
      }
    },
    [self](atom::sess_get,
           std::string& key) -> caf::result<session_record> {
      try {
        session_record rec;
        if (auto row = self->state.sessions->get(key)) {
          rec.key = row->key;
          rec.chat_id = row->chat_id;
          rec.agent_session_id = row->agent_session_id.value_or("");
          rec.last_activity_ms = row->last_activity_ms;
          rec.turns = row->turns;
        }
        return rec;
      } catch (const std::exception& e) {
        return storage_failure(e);
      }
    },
    [self](atom::sess_put, session_record& rec) {
      try {
        open_group(self);
        storage::agent_session row;
        row.key = rec.key;
        row.chat_id = rec.chat_id;
        if (!rec.agent_session_id.empty())
          row.agent_session_id = rec.agent_session_id;
        row.last_activity_ms = rec.last_activity_ms;
        row.turns = rec.turns;
        self->state.sessions->upsert(row);
      } catch (const std::exception& e) {
        storage_failure(e);
      }
    },
  };
}

} // namespace telclaude
