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

pacer::duration pacer::global_interval() const {
  return duration_cast<duration>(std::chrono::duration<double>(1.0 / rate_));
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
  if (now < global_paused_ || now < global_ready_)
    return std::nullopt;
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
  c.flying = true;
  c.ready = now + interval_of(*chosen, c);
  ++in_flight_;
  const auto gi = global_interval();
  global_ready_ = std::max(global_ready_, now - gi / 2) + gi;
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
  return std::max({*best, global_ready_, global_paused_, now});
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
    const auto chat_id = k.chat_id;
    erase(id);
    if (c.queue.empty() && c.slowdown == 1.0 && c.ready <= now)
      chats_.erase(chat_id);
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
  case call_outcome::failed:
    break;
  }
  erase(id);
  return verdict::gave_up;
}

} // namespace telclaude::telegram
