#include "actors/poller.hpp"

#include <random>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "telegram/bot_api_client.hpp"

namespace telclaude {

namespace {

using self_ptr = poller_actor::stateful_pointer<poller_state>;

void poll_later(self_ptr self, std::chrono::milliseconds delay) {
  if (delay.count() <= 0)
    self->send(self, atom::poll_v);
  else
    self->delayed_send(self, delay, atom::poll_v);
}

/// Handles a failed getUpdates; false when polling cannot go on.
bool on_error(self_ptr self, const telegram::call_error& err) {
  auto& st = self->state;
  using telegram::error_kind;
  if (err.kind == error_kind::cancelled)
    return true;
  if (err.is_rate_limited()) {
    auto wait = std::chrono::seconds{err.retry_after().value_or(1)};
    spdlog::warn("poller: rate limited by Telegram; polling again in {} s",
                 wait.count());
    poll_later(self, wait);
    return true;
  }
  if (err.kind == error_kind::api && (err.api.error_code == 401
                                      || err.api.error_code == 404)) {
    spdlog::error("poller: Telegram rejected the bot token ({}): check "
                  "telegram.botToken or TELEGRAM_BOT_TOKEN",
                  err.message);
    return false;
  }
  auto delay = st.backoff->next();
  if (!delay) {
    spdlog::error("poller: giving up after {} failed attempts (last: {}); "
                  "raise telegram.reconnect.maxAttempts or 0 for unlimited",
                  st.backoff->attempts(), err.message);
    return false;
  }
  if (err.is_conflict())
    spdlog::warn("poller: another getUpdates is running or a webhook is set "
                 "for this bot ({}); retrying in {} ms",
                 err.message, delay->count());
  else
    spdlog::warn("poller: getUpdates failed ({}); retrying in {} ms",
                 err.message, delay->count());
  poll_later(self, *delay);
  return true;
}

} // namespace

std::optional<chat_message> to_chat_message(const telegram::update& u) {
  using telegram::update_kind;
  if (u.kind != update_kind::text_message
      && u.kind != update_kind::non_text_message
      && u.kind != update_kind::callback_query)
    return std::nullopt;
  chat_message m;
  if (u.kind == update_kind::callback_query) {
    m.callback_id = u.callback_query_id;
    m.callback_data = u.callback_data;
  }
  m.update_id = u.update_id;
  m.chat_id = u.chat_id;
  m.chat_type = u.chat_type;
  m.user_id = u.user_id;
  m.username = u.username;
  m.message_id = u.message_id;
  m.has_text = u.kind == update_kind::text_message;
  m.text = u.text;
  return m;
}

poller_actor::behavior_type
poller(self_ptr self, std::shared_ptr<telegram::bot_api_client> client,
       store_actor store, router_actor router, poller_options opts,
       std::int64_t offset) {
  auto& st = self->state;
  st.client = std::move(client);
  st.store = std::move(store);
  st.router = std::move(router);
  st.opts = opts;
  st.offset = offset;
  st.backoff = std::make_unique<telegram::reconnect_backoff>(
    opts.reconnect, [rng = std::mt19937_64{std::random_device{}()}]() mutable {
      return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
    });
  self->send(self, atom::poll_v);
  return {
    [self](atom::poll) {
      auto& s = self->state;
      auto started = std::chrono::steady_clock::now();
      auto res = s.client->get_updates(s.offset, s.opts.timeout_s,
                                       s.opts.limit);
      if (!res) {
        if (!on_error(self, res.error()))
          self->quit(caf::make_error(caf::sec::runtime_error,
                                     "polling stopped: " + res.error().message));
        return;
      }
      s.backoff->reset();
      auto& batch = res.value();
      for (auto id : batch.skipped)
        spdlog::warn("poller: update {} is malformed; skipped", id);
      if (batch.unreadable > 0)
        spdlog::warn("poller: {} unreadable updates skipped", batch.unreadable);
      auto next = batch.next_offset.value_or(s.offset);
      std::vector<stored_update> stored;
      std::vector<chat_message> routed;
      for (auto& u : batch.updates) {
        if (auto m = to_chat_message(u)) {
          stored.push_back({u.update_id, u.chat_id, u.raw});
          routed.push_back(std::move(*m));
        } else {
          spdlog::debug("poller: update {} is not a new message; ignored",
                        u.update_id);
        }
      }
      if (stored.empty()) {
        s.offset = next;
        // `telclaude status` shows when the relay last polled; an idle
        // relay records that now and then, not on every poll.
        auto now = std::chrono::steady_clock::now();
        if (now - s.recorded >= std::chrono::seconds{10}) {
          s.recorded = now;
          self->request(s.store, caf::infinite, atom::inbox_add_v,
                        std::vector<stored_update>{}, next)
            .then([](std::vector<std::int64_t>&) {},
                  [](caf::error& err) {
                    spdlog::warn("poller: cannot record the poll time: {}",
                                 caf::to_string(err));
                  });
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
        poll_later(self, batch.updates.empty() && batch.skipped.empty()
                           ? telegram::pause_after_empty_poll(
                             elapsed, s.opts.min_empty_interval)
                           : std::chrono::milliseconds{0});
        return;
      }
      // Only once the store has the updates durably does the next poll's
      // offset confirm them to Telegram.
      self->request(s.store, caf::infinite, atom::inbox_add_v,
                    std::move(stored), next)
        .then(
          [self, next,
           routed = std::move(routed)](std::vector<std::int64_t>& fresh) {
            auto& s2 = self->state;
            s2.offset = next;
            // An update stored before (a resend after a crash) is already
            // pending or answered: route only the new ones.
            std::size_t i = 0;
            for (auto& m : routed) {
              if (i < fresh.size() && fresh[i] == m.update_id) {
                self->send(s2.router, m);
                ++i;
              } else {
                spdlog::info("poller: update {} was stored before; not "
                             "routed again", m.update_id);
              }
            }
            self->send(self, atom::poll_v);
          },
          [self](caf::error& err) {
            // Not stored: do not confirm; Telegram sends them again.
            spdlog::error("poller: cannot store updates ({}); retrying",
                          self->system().render(err));
            poll_later(self, std::chrono::seconds{1});
          });
    },
  };
}

} // namespace telclaude
