#include "actors/outbox_workers.hpp"

#include "telegram/bot_api_client.hpp"

namespace telclaude {

outbox_workers::outbox_workers(
  std::vector<std::shared_ptr<telegram::bot_api_client>> clients,
  std::function<void()> notify)
  : clients_(std::move(clients)), notify_(std::move(notify)) {
  for (auto& c : clients_)
    threads_.emplace_back([this, c] { run(c); });
}

outbox_workers::~outbox_workers() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& c : clients_)
    c->cancel();
  for (auto& t : threads_)
    t.join();
}

void outbox_workers::post(std::uint64_t id, call_fn fn, bool report) {
  {
    std::lock_guard lock{mutex_};
    queue_.push_back(work{id, std::move(fn), report});
    ++outstanding_;
    if (report)
      ++busy_;
  }
  cv_.notify_one();
}

std::vector<call_report> outbox_workers::take() {
  std::lock_guard lock{mutex_};
  return std::exchange(done_, {});
}

std::size_t outbox_workers::busy() const {
  std::lock_guard lock{mutex_};
  return busy_;
}

std::size_t outbox_workers::outstanding() const {
  std::lock_guard lock{mutex_};
  return outstanding_;
}

void outbox_workers::run(std::shared_ptr<telegram::bot_api_client> client) {
  for (;;) {
    work w;
    {
      std::unique_lock lock{mutex_};
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_)
        return;
      w = std::move(queue_.front());
      queue_.pop_front();
    }
    call_report r = w.fn(*client);
    r.id = w.id;
    {
      std::lock_guard lock{mutex_};
      --outstanding_;
      if (w.report) {
        --busy_;
        done_.push_back(std::move(r));
      }
    }
    notify_();
  }
}

} // namespace telclaude
