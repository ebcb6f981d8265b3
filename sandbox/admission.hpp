#pragma once

#include "core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace telclaude::sandbox {

/// Who may start an agent now: at most `max_concurrent` runs relay-wide,
/// `max_per_user` per user, and `min_interval` between two starts. A run
/// over a cap waits in a FIFO queue; a grant goes to the first waiting run
/// whose user is under their cap. Pure: time comes in as arguments.
class admission {
public:
  using ticket = std::uint64_t;
  using time_point = clock::time_point;

  struct limits {
    int max_concurrent = 4;
    int max_per_user = 1;
    std::chrono::milliseconds min_interval{200};
    /// At least this long between two position updates of one run.
    std::chrono::milliseconds notice_gap{std::chrono::seconds{30}};
    /// A run is told it is queued only once it has waited this long: the
    /// usual short waits (the spawn interval, a slot being handed back as
    /// the chat's previous turn ends) stay silent.
    std::chrono::milliseconds first_notice_after{std::chrono::seconds{2}};
  };

  /// A position update owed to a waiting run.
  struct notice {
    ticket id = 0;
    /// Runs ahead of it in the queue.
    std::size_t ahead = 0;
    friend bool operator==(const notice&, const notice&) = default;
  };

  /// What changed.
  struct step {
    /// Runs that may start now, in queue order.
    std::vector<ticket> granted;
    /// Position updates to send (a run's first one when it was queued).
    std::vector<notice> notices;
    /// Call poll() again then (the spawn interval holds a run back, or a
    /// waiting run's first notice falls due).
    std::optional<time_point> wake_at;
  };

  explicit admission(limits l);

  /// A run of `user` asks to start; an id already known is ignored.
  step request(ticket id, std::int64_t user, time_point now);

  /// A run ended (running) or gave up (waiting); unknown ids are ignored.
  /// Returns what that made possible.
  step release(ticket id, time_point now);

  /// Grants what the caps allow at `now`, and the notices due.
  step poll(time_point now);

  bool running(ticket id) const;
  bool waiting(ticket id) const;
  /// Runs ahead of `id` in the queue; nullopt when it is not waiting.
  std::optional<std::size_t> ahead_of(ticket id) const;
  std::size_t running_count() const noexcept {
    return running_.size();
  }
  std::size_t waiting_count() const noexcept {
    return queue_.size();
  }

private:
  struct waiter {
    ticket id = 0;
    std::int64_t user = 0;
    /// The position last told to the user; nullopt before the first.
    std::optional<std::size_t> told;
    time_point told_at{};
    /// When it asked.
    time_point since{};
  };

  int running_of(std::int64_t user) const;
  void grant(step& out, time_point now);
  void due_notices(step& out, time_point now);

  limits limits_;
  std::deque<waiter> queue_;
  /// Running runs: ticket → user.
  std::map<ticket, std::int64_t> running_;
  std::optional<time_point> last_start_;
};

} // namespace telclaude::sandbox
