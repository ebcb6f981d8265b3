#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telegram/types.hpp"

namespace telclaude {

namespace telegram {
class bot_api_client;
} // namespace telegram

/// How one Telegram call ended, as a worker reports it.
struct call_report {
  std::uint64_t id = 0;
  /// The new message's id (sendMessage, sendPhoto).
  std::int64_t message_id = 0;
  std::optional<telegram::call_error> error;
};

/// A few threads, each with its own Bot API client (one connection), that
/// make the outbox's blocking HTTP calls so replies to many chats are not
/// serialised behind one round trip. Knows nothing of pacing: the outbox
/// hands a call over only when its pacer lets it go. `notify` is called
/// (from a worker thread) after each report is queued.
class outbox_workers {
public:
  using call_fn = std::function<call_report(telegram::bot_api_client&)>;

  outbox_workers(std::vector<std::shared_ptr<telegram::bot_api_client>> clients,
                 std::function<void()> notify);
  /// Cancels the calls in flight and joins the threads.
  ~outbox_workers();

  outbox_workers(const outbox_workers&) = delete;
  outbox_workers& operator=(const outbox_workers&) = delete;

  /// Queues a call; its report carries `id`. Calls with `report` false
  /// (typing, button answers) report nothing.
  void post(std::uint64_t id, call_fn fn, bool report = true);
  /// The reports queued since the last take.
  std::vector<call_report> take();
  /// Calls queued or running that will report.
  std::size_t busy() const;
  /// Calls queued or running, reporting or not.
  std::size_t outstanding() const;
  std::size_t size() const {
    return threads_.size();
  }

private:
  struct work {
    std::uint64_t id = 0;
    call_fn fn;
    bool report = true;
  };
  void run(std::shared_ptr<telegram::bot_api_client> client);

  std::vector<std::shared_ptr<telegram::bot_api_client>> clients_;
  std::function<void()> notify_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<work> queue_;
  std::vector<call_report> done_;
  std::size_t busy_ = 0;
  std::size_t outstanding_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace telclaude
