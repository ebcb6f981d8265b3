#include "sandbox/admission.hpp"

#include <algorithm>

namespace telclaude::sandbox {

admission::admission(limits l) : limits_(l) {
  limits_.max_concurrent = std::max(1, limits_.max_concurrent);
  limits_.max_per_user = std::max(1, limits_.max_per_user);
}

admission::step admission::request(ticket id, std::int64_t user,
                                   time_point now) {
  if (!running(id) && !waiting(id))
    queue_.push_back(waiter{id, user, std::nullopt, {}, now});
  return poll(now);
}

admission::step admission::release(ticket id, time_point now) {
  running_.erase(id);
  std::erase_if(queue_, [id](const waiter& w) { return w.id == id; });
  return poll(now);
}

admission::step admission::poll(time_point now) {
  step out;
  grant(out, now);
  due_notices(out, now);
  return out;
}

bool admission::running(ticket id) const {
  return running_.contains(id);
}

bool admission::waiting(ticket id) const {
  return ahead_of(id).has_value();
}

std::optional<std::size_t> admission::ahead_of(ticket id) const {
  for (std::size_t i = 0; i < queue_.size(); ++i)
    if (queue_[i].id == id)
      return i;
  return std::nullopt;
}

int admission::running_of(std::int64_t user) const {
  return static_cast<int>(std::count_if(
    running_.begin(), running_.end(),
    [user](const auto& entry) { return entry.second == user; }));
}

void admission::grant(step& out, time_point now) {
  auto it = queue_.begin();
  while (it != queue_.end()
         && static_cast<int>(running_.size()) < limits_.max_concurrent) {
    if (running_of(it->user) >= limits_.max_per_user) {
      ++it;
      continue;
    }
    if (last_start_ && now < *last_start_ + limits_.min_interval) {
      out.wake_at = *last_start_ + limits_.min_interval;
      return;
    }
    last_start_ = now;
    running_.emplace(it->id, it->user);
    out.granted.push_back(it->id);
    it = queue_.erase(it);
  }
}

void admission::due_notices(step& out, time_point now) {
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    auto& w = queue_[i];
    // The first notice once the run has waited `first_notice_after`; then
    // only when it moved up and the last one is old enough (a long queue
    // does not spam the chat).
    if (!w.told && now < w.since + limits_.first_notice_after) {
      auto due = w.since + limits_.first_notice_after;
      if (!out.wake_at || due < *out.wake_at)
        out.wake_at = due;
      continue;
    }
    bool first = !w.told;
    bool moved = w.told && i < *w.told && now >= w.told_at + limits_.notice_gap;
    if (!first && !moved)
      continue;
    w.told = i;
    w.told_at = now;
    out.notices.push_back(notice{w.id, i});
  }
}

} // namespace telclaude::sandbox
