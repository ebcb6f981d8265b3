#include "telegram/pacer.hpp"

#include <algorithm>
#include <set>

namespace telclaude::telegram {

using std::chrono::duration_cast;

pacer::pacer(pacer_options options)
  : opts_(options), rate_(options.global_per_second) {
}

pacer::submitted pacer::submit(std::int64_t chat_id, lane priority,
                               std::uint64_t key, time_point now) {
  (void) now;
  auto& c = chats_[chat_id];
  if (key != 0) {
    for (auto id : c.queue) {
      auto& q = calls_.at(id);
      if (q.key == key && !q.flying) {
        if (priority == lane::final)
          q.priority = lane::final;
        return {id, true};
      }
    }
  }
  const auto id = next_id_++;
  calls_[id] = call{chat_id, key, priority, 0, 0, false};
  c.queue.push_back(id);
  return {id, false};
}

pacer::duration pacer::interval_of(std::int64_t chat_id,
                                   const chat& c) const {
  const auto base =
    chat_id < 0 ? opts_.group_interval : opts_.private_interval;
  return duration_cast<duration>(base * c.slowdown);
}

std::size_t pacer::budget() const {
  return std::max<std::size_t>(1, static_cast<std::size_t>(rate_));
}

std::optional<pacer::time_point> pacer::global_room(time_point now) const {
  const auto cap = budget();
  if (in_flight_ >= cap)
    return std::nullopt; // a call in flight must end first
  // Calls that ended within the span before `now` still count.
  auto first = std::upper_bound(ends_.begin(), ends_.end(),
                                now - opts_.global_span);
  const auto live = static_cast<std::size_t>(ends_.end() - first);
  if (live + in_flight_ < cap)
    return now;
  // The oldest ones must leave the span until one more fits.
  return *(first + static_cast<std::ptrdiff_t>(live + in_flight_ - cap)) +
         opts_.global_span;
}

double pacer::chat_slowdown(std::int64_t chat_id) const {
  auto it = chats_.find(chat_id);
  return it == chats_.end() ? 1.0 : it->second.slowdown;
}

std::optional<std::int64_t> pacer::pick(lane priority, time_point now) const {
  if (chats_.empty())
    return std::nullopt;
  // Round robin: start after the chat served last.
  auto start = served_any_ ? chats_.upper_bound(cursor_) : chats_.begin();
  auto it = start;
  for (std::size_t n = 0; n < chats_.size(); ++n, ++it) {
    if (it == chats_.end())
      it = chats_.begin();
    const auto& c = it->second;
    if (c.flying || c.queue.empty() || c.ready > now)
      continue;
    if (calls_.at(c.queue.front()).priority == priority)
      return it->first;
  }
  return std::nullopt;
}

std::optional<ticket> pacer::next(time_point now) {
  if (now < global_paused_)
    return std::nullopt;
  auto room = global_room(now);
  if (!room || *room > now)
    return std::nullopt;
  // Forget chats with nothing to pace any more.
  for (auto it = chats_.begin(); it != chats_.end();) {
    const auto& c = it->second;
    if (!c.flying && c.queue.empty() && c.slowdown == 1.0 && c.ready <= now)
      it = chats_.erase(it);
    else
      ++it;
  }
  auto chosen = pick(lane::final, now);
  if (!chosen)
    chosen = pick(lane::preview, now);
  if (!chosen)
    return std::nullopt;
  auto& c = chats_.at(*chosen);
  const auto id = c.queue.front();
  c.queue.pop_front();
  auto& k = calls_.at(id);
  k.flying = true;
  k.chat_ready = c.ready;
  c.flying = true;
  c.ready = now + interval_of(*chosen, c);
  ++in_flight_;
  cursor_ = *chosen;
  served_any_ = true;
  return ticket{id, k.chat_id, k.key, k.priority};
}

std::optional<pacer::time_point> pacer::wake_at(time_point now) const {
  std::optional<time_point> best;
  for (const auto& [id, c] : chats_) {
    if (c.flying || c.queue.empty())
      continue;
    if (!best || c.ready < *best)
      best = c.ready;
  }
  if (!best)
    return std::nullopt;
  auto room = global_room(now);
  if (!room)
    return std::nullopt;
  return std::max({*best, *room, global_paused_, now});
}

void pacer::erase(std::uint64_t id) {
  auto it = calls_.find(id);
  if (it == calls_.end())
    return;
  auto ct = chats_.find(it->second.chat_id);
  if (ct != chats_.end()) {
    auto& q = ct->second.queue;
    q.erase(std::remove(q.begin(), q.end(), id), q.end());
  }
  calls_.erase(it);
}

verdict pacer::finish(std::uint64_t id, call_outcome outcome, time_point now,
                      std::chrono::seconds retry_after) {
  auto it = calls_.find(id);
  if (it == calls_.end() || !it->second.flying)
    return verdict::done;
  auto& k = it->second;
  auto& c = chats_[k.chat_id];
  k.flying = false;
  c.flying = false;
  --in_flight_;
  if (outcome == call_outcome::not_sent) {
    c.ready = k.chat_ready;
    erase(id);
    return verdict::done;
  }
  // Telegram got the call before now: the chat's next one and the budget
  // count from here.
  c.ready = std::max(c.ready, now + interval_of(k.chat_id, c));
  ends_.insert(std::upper_bound(ends_.begin(), ends_.end(), now), now);
  while (!ends_.empty() && ends_.front() + opts_.global_span <= now)
    ends_.pop_front();
  auto requeue = [&](time_point not_before) {
    c.queue.push_front(id);
    c.ready = std::max(c.ready, not_before);
    return verdict::retry;
  };
  switch (outcome) {
  case call_outcome::ok: {
    // Recover slowly from earlier 429s.
    rate_ = std::min(opts_.global_per_second, rate_ + 0.1);
    c.slowdown = std::max(1.0, c.slowdown - 0.05);
    erase(id);
    return verdict::done;
  }
  case call_outcome::rate_limited: {
    if (++k.rate_limited > opts_.max_rate_limited) {
      erase(id);
      return verdict::gave_up;
    }
    const auto wait = std::max(retry_after, std::chrono::seconds{1});
    c.slowdown = std::min(4.0, c.slowdown * 1.5);
    rate_ = std::max(opts_.min_global_per_second, rate_ * 0.8);
    recent_429_.emplace_back(now, k.chat_id);
    while (!recent_429_.empty() &&
           recent_429_.front().first + opts_.global_window < now)
      recent_429_.pop_front();
    std::set<std::int64_t> distinct;
    for (auto& [t, chat_id] : recent_429_)
      distinct.insert(chat_id);
    if (static_cast<int>(distinct.size()) >= opts_.global_chats)
      global_paused_ = std::max(global_paused_, now + wait);
    return requeue(now + wait);
  }
  case call_outcome::transient: {
    if (++k.attempts >= opts_.max_attempts) {
      erase(id);
      return verdict::gave_up;
    }
    auto delay = opts_.retry_initial * (1 << std::min(k.attempts - 1, 16));
    delay = std::min(delay, opts_.retry_max);
    return requeue(now + delay);
  }
  case call_outcome::again:
    return requeue(now);
  case call_outcome::not_sent:
  case call_outcome::failed:
    break;
  }
  erase(id);
  return verdict::gave_up;
}

} // namespace telclaude::telegram
