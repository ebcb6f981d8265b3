#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace telclaude::telegram {

/// Telegram's limits as the pacer keeps them, with a margin.
struct pacer_options {
  /// Between two calls to one private chat (Telegram: about 1/s).
  std::chrono::milliseconds private_interval{1050};
  /// Between two calls to one group (Telegram: 20/min).
  std::chrono::milliseconds group_interval{3100};
  /// Calls per second for the whole bot (Telegram: about 30/s): at most
  /// this many in any `global_span`.
  double global_per_second = 29;
  /// The window the global budget is counted in (Telegram: a second; the
  /// margin covers the clocks of the two ends).
  std::chrono::milliseconds global_span{1010};
  /// The slowest the global pace falls to after 429s.
  double min_global_per_second = 5;
  /// Attempts of a call failing with 5xx or a network error.
  int max_attempts = 5;
  /// 429s one call may get before it is given up on.
  int max_rate_limited = 20;
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30'000};
  /// 429s from this many different chats within `global_window` pause
  /// every chat (the bot-wide limit), not only the chat that got it.
  int global_chats = 2;
  std::chrono::milliseconds global_window{1000};
};

/// Finals (a turn's last text, notices) go before previews.
enum class lane { final, preview };

/// How a call ended, as the pacer needs to know.
enum class call_outcome {
  ok,           ///< done (also "message is not modified")
  rate_limited, ///< 429 with `retry_after`
  transient,    ///< 5xx, network error, timeout: retry with backoff
  failed,       ///< permanent error: do not retry
  again,        ///< the caller changed the call (plain text, send instead
                ///< of edit): run it next in its chat, no attempt counted
  not_sent,     ///< the caller made no call (nothing changed): done, and
                ///< neither the chat's pace nor the budget is spent
};

/// What `finish` decided.
enum class verdict { done, retry, gave_up };

/// A call the pacer lets through now.
struct ticket {
  std::uint64_t id = 0;
  std::int64_t chat_id = 0;
  std::uint64_t key = 0;
  lane priority = lane::final;
};

/// Decides when each call to Telegram goes out; knows nothing of HTTP.
///
/// Calls are queued per chat (in order; one in flight per chat). A chat
/// gets a call through no sooner than its interval after the previous one
/// ended (private chats and groups, by the sign of the chat id as Telegram
/// numbers them) and only while the global budget allows: a call in
/// flight, or ended within the last `global_span`, counts against it. As
/// Telegram receives a call between its start and its end here, Telegram
/// never counts more than the pacer allows, however long calls take. Chats
/// with a ready call are served round robin, finals before previews. A
/// queued call with the same non-zero key as a new one absorbs it (the
/// caller renders the newest content when the call goes). A 429 pauses what its `retry_after`
/// covers (the chat; every chat when several chats got one within a
/// second) and slows that pace, which recovers slowly with successes.
/// Transient errors are retried with exponential backoff, a bounded number
/// of times. Time is passed in.
class pacer {
public:
  using time_point = std::chrono::system_clock::time_point;
  using duration = std::chrono::system_clock::duration;

  explicit pacer(pacer_options options = {});

  /// Result of `submit`: the call's id, and whether a queued call with the
  /// same key absorbed it (then `id` is that call's).
  struct submitted {
    std::uint64_t id = 0;
    bool coalesced = false;
  };

  /// Queues a call to `chat_id`. A final absorbed by a queued preview
  /// upgrades it to a final.
  submitted submit(std::int64_t chat_id, lane priority, std::uint64_t key,
                   time_point now);

  /// The next call to make at `now`, or nothing; it is in flight until
  /// `finish`.
  std::optional<ticket> next(time_point now);

  /// When `next` may give a call (nothing when no call waits, or all wait
  /// for calls in flight, or the budget waits for a call in flight).
  std::optional<time_point> wake_at(time_point now) const;

  /// Reports how the call `id` ended; `retry_after` for a 429.
  verdict finish(std::uint64_t id, call_outcome outcome, time_point now,
                 std::chrono::seconds retry_after = {});

  /// Whether a call with this id is queued or in flight.
  bool pending(std::uint64_t id) const {
    return calls_.count(id) != 0;
  }
  /// Nothing queued, nothing in flight.
  bool idle() const {
    return calls_.empty();
  }
  std::size_t in_flight() const {
    return in_flight_;
  }
  /// The global pace now, in calls per second.
  double global_rate() const {
    return rate_;
  }
  /// The pause factor of a chat's interval now (1 = Telegram's pace).
  double chat_slowdown(std::int64_t chat_id) const;

private:
  struct call {
    std::int64_t chat_id = 0;
    std::uint64_t key = 0;
    lane priority = lane::final;
    int attempts = 0;
    int rate_limited = 0;
    bool flying = false;
    /// The chat's `ready` before this call went (restored if not sent).
    time_point chat_ready{};
  };
  struct chat {
    std::deque<std::uint64_t> queue;
    bool flying = false;
    time_point ready{};
    double slowdown = 1;
  };

  duration interval_of(std::int64_t chat_id, const chat& c) const;
  /// Calls the global budget allows in a span now.
  std::size_t budget() const;
  /// When the budget has room for one more call (given the calls in
  /// flight), or nothing when it waits for one of them to end.
  std::optional<time_point> global_room(time_point now) const;
  /// The chat whose head goes next among those ready, round robin.
  std::optional<std::int64_t> pick(lane priority, time_point now) const;
  void erase(std::uint64_t id);

  pacer_options opts_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, call> calls_;
  std::map<std::int64_t, chat> chats_;
  std::size_t in_flight_ = 0;
  std::int64_t cursor_ = 0;
  bool served_any_ = false;
  /// When recent calls ended (ascending), for the global budget.
  std::deque<time_point> ends_;
  time_point global_paused_{};
  double rate_;
  /// Recent 429s: when, and which chat.
  std::deque<std::pair<time_point, std::int64_t>> recent_429_;
};

} // namespace telclaude::telegram
