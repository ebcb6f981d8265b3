#include "storage/agent_processes.hpp"

namespace telclaude::storage {

agent_processes::agent_processes(database& db)
  : db_(db),
    insert_(db.prepare(
      "INSERT OR REPLACE INTO agent_processes (pid, start_time, boot_id, "
      "relay_pid, chat_id, started_ms, cgroup) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")),
    delete_(db.prepare("DELETE FROM agent_processes WHERE pid = ?1 AND "
                       "start_time = ?2 AND boot_id = ?3")),
    select_(db.prepare("SELECT pid, start_time, boot_id, relay_pid, chat_id, "
                       "started_ms, cgroup FROM agent_processes "
                       "ORDER BY started_ms, pid")) {
}

void agent_processes::add(const agent_process& p) {
  auto q = insert_.scoped();
  q->bind(1, p.pid)
    .bind(2, p.start_time)
    .bind(3, p.boot_id)
    .bind(4, p.relay_pid)
    .bind(5, p.chat_id)
    .bind(6, p.started_ms)
    .bind(7, p.cgroup);
  q->step();
}

bool agent_processes::remove(std::int64_t pid, std::int64_t start_time,
                             std::string_view boot_id) {
  auto q = delete_.scoped();
  q->bind(1, pid).bind(2, start_time).bind(3, boot_id);
  q->step();
  return db_.changes() > 0;
}

std::vector<agent_process> agent_processes::all() const {
  std::vector<agent_process> out;
  auto q = select_.scoped();
  while (q->step()) {
    agent_process p;
    p.pid = q->column_int64(0);
    p.start_time = q->column_int64(1);
    p.boot_id = q->column_text(2);
    p.relay_pid = q->column_int64(3);
    p.chat_id = q->column_int64(4);
    p.started_ms = q->column_int64(5);
    p.cgroup = q->column_text(6);
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace telclaude::storage
