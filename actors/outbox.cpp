#include "actors/outbox.hpp"

#include <thread>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "telegram/bot_api_client.hpp"
#include "telegram/message_splitter.hpp"
#include "telegram/qr_code.hpp"

namespace telclaude {

namespace {

using self_ptr = outbox_actor::stateful_pointer<outbox_state>;

constexpr const char* empty_reply = "(The agent finished without a reply.)";

/// Sends one message, retrying what Telegram says is transient. False when
/// it could not be delivered.
bool send_one(outbox_state& st, std::int64_t chat_id, const std::string& text,
              std::int64_t reply_to,
              const std::optional<nlohmann::json>& markup = std::nullopt) {
  telegram::send_options opts;
  if (reply_to != 0)
    opts.reply_to = reply_to;
  opts.reply_markup = markup;
  auto delay = std::chrono::milliseconds{500};
  for (int attempt = 1;; ++attempt) {
    auto res = st.client->send_message(chat_id, text, opts);
    if (res)
      return true;
    const auto& err = res.error();
    if (err.kind == telegram::error_kind::cancelled)
      return false;
    if (!err.is_transient() || attempt >= st.opts.max_attempts) {
      spdlog::error("outbox: message to chat {} not delivered: {}", chat_id,
                    err.message);
      return false;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(delay);
    if (auto ra = err.retry_after()) {
      if (std::chrono::seconds{*ra} > st.opts.max_retry_after) {
        spdlog::error("outbox: chat {} rate limited for {} s; message "
                      "dropped", chat_id, *ra);
        return false;
      }
      wait = std::chrono::seconds{*ra};
    } else {
      delay *= 2;
    }
    spdlog::warn("outbox: sending to chat {} failed ({}); retry in {} ms",
                 chat_id, err.message, wait.count());
    std::this_thread::sleep_for(wait);
  }
}

/// Sends `text` split into Telegram-sized parts; the first answers
/// `reply_to`. True when every part went out.
bool send_split(outbox_state& st, std::int64_t chat_id,
                const std::string& text, std::int64_t reply_to) {
  bool all = true;
  for (auto& part : telegram::split_message(text)) {
    all = send_one(st, chat_id, part, reply_to) && all;
    reply_to = 0;
  }
  return all;
}

void answered(self_ptr self, std::int64_t update_id) {
  if (update_id != 0)
    self->send(self->state.store, atom::inbox_done_v, update_id);
}

} // namespace

outbox_actor::behavior_type
outbox(self_ptr self, std::shared_ptr<telegram::bot_api_client> client,
       store_actor store, outbox_options opts) {
  auto& st = self->state;
  st.client = std::move(client);
  st.store = std::move(store);
  st.opts = opts;
  return {
    [self](atom::reply_text, reply_target& t, std::string& text) {
      self->state.replies[{t.chat_id, t.turn}] += text;
    },
    [self](atom::reply_progress, reply_target& t, std::string& line) {
      // First version: remembered per turn, not shown yet.
      auto& lines = self->state.progress[{t.chat_id, t.turn}];
      lines.push_back(std::move(line));
      if (lines.size() > 3)
        lines.erase(lines.begin());
    },
    [self](atom::reply_end, reply_target& t, bool discard) {
      auto& s = self->state;
      s.progress.erase({t.chat_id, t.turn});
      auto node = s.replies.extract({t.chat_id, t.turn});
      if (discard)
        return;
      std::string text = node.empty() ? std::string{} : std::move(node.mapped());
      if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        text = empty_reply;
      // Delivered or given up on: either way the update is done, so a
      // restart does not answer it twice.
      send_split(s, t.chat_id, text, t.reply_to_message_id);
      answered(self, t.update_id);
    },
    [self](atom::send_text, std::int64_t chat_id, std::string& text,
           std::int64_t update_id) {
      send_split(self->state, chat_id, text, 0);
      answered(self, update_id);
    },
    [self](atom::prompt, std::int64_t chat_id, std::string& text,
           std::vector<button>& buttons, std::int64_t update_id) {
      // One row of buttons under the text (a prompt is short: no split).
      auto row = nlohmann::json::array();
      for (auto& b : buttons)
        row.push_back({{"text", b.label}, {"callback_data", b.callback_data}});
      nlohmann::json markup{{"inline_keyboard", nlohmann::json::array({row})}};
      send_one(self->state, chat_id, text, 0, markup);
      answered(self, update_id);
    },
    [self](atom::qr_photo, std::int64_t chat_id, std::string& caption,
           std::string& qr_text, std::int64_t update_id) {
      auto& s = self->state;
      bool sent = false;
      try {
        auto png = telegram::qr_png(telegram::encode_qr(qr_text));
        auto res = s.client->send_photo(chat_id, png, caption);
        sent = res.ok();
        if (!sent)
          spdlog::warn("outbox: QR code to chat {} not sent ({}); sending "
                       "the text alone",
                       chat_id, res.error().message);
      } catch (const std::exception& e) {
        spdlog::warn("outbox: QR code for chat {} not drawn ({}); sending "
                     "the text alone",
                     chat_id, e.what());
      }
      if (!sent)
        send_split(s, chat_id, caption, 0);
      answered(self, update_id);
    },
    [self](atom::cb_answer, std::string& id, std::string& text) {
      // Best effort: Telegram forgets a query after a while anyway.
      auto res = self->state.client->answer_callback_query(id, text);
      if (!res)
        spdlog::warn("outbox: answering button press {} failed: {}", id,
                     res.error().message);
    },
    [self](atom::typing, std::int64_t chat_id) {
      // Best effort: a failing typing indicator never fails a reply.
      auto res = self->state.client->send_chat_action(chat_id, "typing");
      if (!res)
        spdlog::debug("outbox: typing indicator for chat {} failed: {}",
                      chat_id, res.error().message);
    },
    [](atom::drain) { return true; },
  };
}

} // namespace telclaude
