#include "actors/outbox.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "actors/outbox_workers.hpp"
#include "telegram/bot_api_client.hpp"
#include "telegram/message_splitter.hpp"
#include "telegram/qr_code.hpp"

namespace telclaude {

namespace {

using self_ptr = outbox_impl_actor::stateful_pointer<outbox_state>;
using telegram::call_outcome;
using telegram::lane;
using telegram::message_content;
using turn_key = std::pair<std::int64_t, std::uint64_t>;

clock::time_point now_of(const outbox_state& st) {
  return st.opts.clk->now();
}

void answered(self_ptr self, std::int64_t update_id) {
  if (update_id != 0)
    self->send(self->state.store, atom::inbox_done_v, update_id);
}

/// How a failed call is paced from now on.
call_outcome classify(const telegram::call_error& e) {
  if (e.is_not_modified())
    return call_outcome::ok;
  if (e.kind == telegram::error_kind::cancelled)
    return call_outcome::failed;
  if (e.is_rate_limited())
    return call_outcome::rate_limited;
  if (e.is_transient())
    return call_outcome::transient;
  return call_outcome::failed;
}

outbox_turn& turn_of(self_ptr self, const reply_target& t) {
  auto& st = self->state;
  auto key = turn_key{t.chat_id, t.turn};
  auto it = st.turns.find(key);
  if (it == st.turns.end())
    it = st.turns
           .emplace(key, outbox_turn{t, telegram::turn_reply{
                                          t.turn, st.opts.progress_lines},
                                     {}, 0, false})
           .first;
  return it->second;
}

/// Queues a paced call for every message of the turn that must change.
void refresh(self_ptr self, outbox_turn& turn, lane priority) {
  auto& st = self->state;
  const auto n =
    turn.discard ? turn.messages.size() : turn.reply.parts();
  while (turn.messages.size() < n) {
    outbox_message m;
    m.key = st.next_key++;
    turn.messages.push_back(m);
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto& m = turn.messages[i];
    if (turn.discard) {
      if (m.message_id == 0 && m.pending == 0)
        continue;
    } else if (m.message_id != 0 && m.pending == 0) {
      auto content = m.plain ? turn.reply.render_plain(i)
                             : turn.reply.render(i);
      if (content == m.shown)
        continue; // an unchanged edit is not sent
    }
    // A turn's first sight (a new message) goes before edits of replies
    // already visible (see docs/architecture.md, "The outbox").
    const auto lane_of = m.message_id == 0 && m.pending == 0 && !turn.discard
                           ? lane::final
                           : priority;
    auto s = st.pacer->submit(turn.target.chat_id, lane_of, m.key,
                              now_of(st));
    if (s.coalesced)
      continue;
    outbox_job job;
    job.what = outbox_job::kind::part;
    job.chat_id = turn.target.chat_id;
    job.turn = {turn.target.chat_id, turn.target.turn};
    job.part = i;
    st.jobs.emplace(s.id, std::move(job));
    ++turn.jobs;
    ++m.pending;
  }
}

void maybe_complete(self_ptr self, const turn_key& key) {
  auto& st = self->state;
  auto it = st.turns.find(key);
  if (it == st.turns.end())
    return;
  auto& turn = it->second;
  if (!turn.reply.ended() || turn.jobs != 0)
    return;
  if (!turn.discard)
    answered(self, turn.target.update_id);
  st.turns.erase(it);
}

/// A paced call is over (delivered or given up on).
void job_done(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto node = st.jobs.extract(id);
  if (node.empty())
    return;
  auto& job = node.mapped();
  if (job.what == outbox_job::kind::part) {
    auto it = st.turns.find(job.turn);
    if (it == st.turns.end())
      return;
    auto& turn = it->second;
    --turn.jobs;
    if (job.part < turn.messages.size())
      --turn.messages[job.part].pending;
    maybe_complete(self, job.turn);
    return;
  }
  auto g = st.groups.find(job.group);
  if (g != st.groups.end() && --g->second.first == 0) {
    answered(self, g->second.second);
    st.groups.erase(g);
  }
}

void finish(self_ptr self, std::uint64_t id, call_outcome outcome,
            std::chrono::seconds retry_after = {}) {
  auto& st = self->state;
  auto v = st.pacer->finish(id, outcome, now_of(st), retry_after);
  if (v == telegram::verdict::gave_up)
    spdlog::error("outbox: a message to chat {} was given up on",
                  st.jobs.count(id) ? st.jobs.at(id).chat_id : 0);
  if (v != telegram::verdict::retry)
    job_done(self, id);
}

outbox_workers::call_fn send_call(std::int64_t chat, std::int64_t message_id,
                                  message_content content,
                                  std::int64_t reply_to) {
  return [chat, message_id, content = std::move(content),
          reply_to](telegram::bot_api_client& c) {
    call_report r;
    telegram::send_options o;
    o.parse_mode = content.parse_mode;
    o.reply_markup = content.markup;
    if (message_id != 0) {
      auto res = c.edit_message_text(chat, message_id, content.text, o);
      if (!res)
        r.error = res.error();
      return r;
    }
    if (reply_to != 0)
      o.reply_to = reply_to;
    auto res = c.send_message(chat, content.text, o);
    if (res)
      r.message_id = res.value();
    else
      r.error = res.error();
    return r;
  };
}

/// Makes the call the pacer let through.
void start(self_ptr self, const telegram::ticket& t) {
  auto& st = self->state;
  auto& job = st.jobs.at(t.id);
  if (job.what == outbox_job::kind::notice) {
    st.workers->post(t.id, send_call(job.chat_id, 0, job.content, 0));
    return;
  }
  if (job.what == outbox_job::kind::photo) {
    st.workers->post(t.id, [chat = job.chat_id, caption = job.content.text,
                            qr = job.photo_text](telegram::bot_api_client& c) {
      call_report r;
      try {
        auto png = telegram::qr_png(telegram::encode_qr(qr));
        auto res = c.send_photo(chat, png, caption);
        if (res)
          r.message_id = res.value();
        else
          r.error = res.error();
      } catch (const std::exception& e) {
        telegram::call_error err;
        err.kind = telegram::error_kind::protocol;
        err.message = std::string{"QR code not drawn: "} + e.what();
        r.error = err;
      }
      return r;
    });
    return;
  }
  auto it = st.turns.find(job.turn);
  if (it == st.turns.end() || job.part >= it->second.messages.size()) {
    finish(self, t.id, call_outcome::not_sent);
    return;
  }
  auto& turn = it->second;
  auto& m = turn.messages[job.part];
  if (turn.discard) {
    if (m.message_id == 0) {
      finish(self, t.id, call_outcome::not_sent);
      return;
    }
    job.deleting = true;
    st.workers->post(t.id, [chat = job.chat_id, id = m.message_id](
                             telegram::bot_api_client& c) {
      call_report r;
      auto res = c.delete_message(chat, id);
      if (!res)
        r.error = res.error();
      return r;
    });
    return;
  }
  if (job.part >= turn.reply.parts()) {
    finish(self, t.id, call_outcome::not_sent);
    return;
  }
  auto content = m.plain ? turn.reply.render_plain(job.part)
                         : turn.reply.render(job.part);
  if (m.message_id != 0 && content == m.shown) {
    finish(self, t.id, call_outcome::not_sent); // unchanged
    return;
  }
  job.sending = content;
  const auto reply_to = job.part == 0 ? turn.target.reply_to_message_id : 0;
  st.workers->post(t.id, send_call(job.chat_id, m.message_id,
                                   std::move(content), reply_to));
}

/// A call's report: remember what was delivered, then tell the pacer.
void on_report(self_ptr self, call_report& r) {
  auto& st = self->state;
  auto jt = st.jobs.find(r.id);
  if (jt == st.jobs.end())
    return;
  auto& job = jt->second;
  auto outcome = r.error ? classify(*r.error) : call_outcome::ok;
  std::chrono::seconds retry_after{};
  if (r.error && outcome == call_outcome::rate_limited)
    retry_after = std::chrono::seconds{r.error->retry_after().value_or(1)};
  if (job.what == outbox_job::kind::part) {
    auto it = st.turns.find(job.turn);
    if (it != st.turns.end() && job.part < it->second.messages.size()) {
      auto& turn = it->second;
      auto& m = turn.messages[job.part];
      if (outcome == call_outcome::ok) {
        if (job.deleting) {
          m.message_id = 0;
        } else {
          if (r.message_id != 0)
            m.message_id = r.message_id;
          m.shown = job.sending;
        }
      } else if (outcome == call_outcome::failed && !job.deleting) {
        if (r.error->is_entity_parse_error() && !m.plain) {
          spdlog::warn("outbox: Telegram refused the HTML of a message to "
                       "chat {} ({}); sending it as plain text",
                       job.chat_id, r.error->message);
          m.plain = true;
          outcome = call_outcome::again;
        } else if (m.message_id != 0 && !job.resent &&
                   r.error->kind != telegram::error_kind::cancelled) {
          // The message to edit is gone: the text goes in a new one.
          spdlog::warn("outbox: editing message {} in chat {} failed ({}); "
                       "sending a new message",
                       m.message_id, job.chat_id, r.error->message);
          m.message_id = 0;
          m.shown = {};
          job.resent = true;
          outcome = call_outcome::again;
        }
      }
    }
  } else if (job.what == outbox_job::kind::photo &&
             outcome == call_outcome::failed) {
    spdlog::warn("outbox: QR code to chat {} not sent ({}); sending the "
                 "text alone",
                 job.chat_id, r.error->message);
    job.what = outbox_job::kind::notice;
    outcome = call_outcome::again;
  }
  if (r.error && outcome != call_outcome::ok && outcome != call_outcome::again)
    spdlog::warn("outbox: a call to chat {} failed: {}", job.chat_id,
                 r.error->message);
  finish(self, r.id, outcome, retry_after);
}

/// Takes the workers' reports, lets through what the pacer allows, arms
/// the next timer, answers drains.
void pump(self_ptr self) {
  auto& st = self->state;
  for (auto& r : st.workers->take())
    on_report(self, r);
  auto now = now_of(st);
  while (st.workers->busy() < st.workers->size()) {
    auto t = st.pacer->next(now);
    if (!t)
      break;
    start(self, *t);
  }
  // With every worker busy, a report wakes the outbox; no timer needed.
  auto wake = st.workers->busy() < st.workers->size()
                ? st.pacer->wake_at(now)
                : std::nullopt;
  if (wake) {
    // Rounded up: `next` must find the call due when the timer fires.
    auto d = std::chrono::ceil<std::chrono::milliseconds>(*wake - now) +
             std::chrono::milliseconds{1};
    auto real_now = std::chrono::steady_clock::now();
    if (st.armed <= real_now || real_now + d < st.armed) {
      st.armed = real_now + d;
      self->delayed_send(self, d, atom::outbox_wake_v);
    }
  }
  if (!st.drains.empty() && st.pacer->idle() &&
      st.workers->outstanding() == 0) {
    for (auto& rp : st.drains)
      rp.deliver(true);
    st.drains.clear();
  }
}

/// Queues fixed text (split when long) as paced calls of one group.
void queue_notice(self_ptr self, std::int64_t chat_id,
                  std::vector<message_content> parts, std::int64_t update_id,
                  std::string photo_text = {}) {
  auto& st = self->state;
  if (parts.empty()) {
    answered(self, update_id);
    return;
  }
  const auto group = st.next_group++;
  st.groups[group] = {parts.size(), update_id};
  for (auto& p : parts) {
    auto s = st.pacer->submit(chat_id, lane::final, 0, now_of(st));
    outbox_job job;
    job.what = photo_text.empty() ? outbox_job::kind::notice
                                  : outbox_job::kind::photo;
    job.chat_id = chat_id;
    job.content = std::move(p);
    job.photo_text = photo_text;
    job.group = group;
    st.jobs.emplace(s.id, std::move(job));
  }
  pump(self);
}

std::vector<message_content> plain_parts(const std::string& text) {
  std::vector<message_content> out;
  for (auto& part : telegram::split_message(text))
    out.push_back(message_content{std::move(part), {}, std::nullopt});
  return out;
}

} // namespace

outbox_state::outbox_state() = default;
outbox_state::~outbox_state() = default;

outbox_impl_actor::behavior_type
outbox(self_ptr self,
       std::vector<std::shared_ptr<telegram::bot_api_client>> clients,
       store_actor store, outbox_options opts) {
  auto& st = self->state;
  st.store = std::move(store);
  st.opts = opts;
  st.pacer = std::make_unique<telegram::pacer>(opts.pacing);
  caf::weak_actor_ptr weak{self->ctrl()};
  st.workers = std::make_unique<outbox_workers>(std::move(clients), [weak] {
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<outbox_impl_actor>(strong),
                     atom::outbox_wake_v);
  });
  return {
    [self](atom::reply_text, reply_target& t, std::string& text) {
      auto& turn = turn_of(self, t);
      if (turn.reply.ended())
        return;
      turn.reply.append(text);
      refresh(self, turn, lane::preview);
      pump(self);
    },
    [self](atom::reply_progress, reply_target& t, std::string& line) {
      auto& turn = turn_of(self, t);
      if (turn.reply.ended())
        return;
      turn.reply.progress(std::move(line));
      refresh(self, turn, lane::preview);
      pump(self);
    },
    [self](atom::reply_end, reply_target& t, bool discard) {
      auto& turn = turn_of(self, t);
      turn.discard = discard;
      turn.reply.end();
      refresh(self, turn, lane::final);
      maybe_complete(self, {t.chat_id, t.turn});
      pump(self);
    },
    [self](atom::send_text, std::int64_t chat_id, std::string& text,
           std::int64_t update_id) {
      queue_notice(self, chat_id, plain_parts(text), update_id);
    },
    [self](atom::prompt, std::int64_t chat_id, std::string& text,
           std::vector<button>& buttons, std::int64_t update_id) {
      // One row of buttons under the text (a prompt is short: no split).
      auto row = nlohmann::json::array();
      for (auto& b : buttons)
        row.push_back({{"text", b.label}, {"callback_data", b.callback_data}});
      nlohmann::json markup{{"inline_keyboard", nlohmann::json::array({row})}};
      queue_notice(self, chat_id,
                   {message_content{telegram::sanitize_utf8(text), {},
                                    std::move(markup)}},
                   update_id);
    },
    [self](atom::qr_photo, std::int64_t chat_id, std::string& caption,
           std::string& qr_text, std::int64_t update_id) {
      queue_notice(self, chat_id, {message_content{caption, {}, std::nullopt}},
                   update_id, qr_text.empty() ? " " : qr_text);
    },
    [self](atom::cb_answer, std::string& id, std::string& text) {
      // Best effort, not paced: Telegram forgets a query after a while.
      self->state.workers->post(
        0,
        [id, text](telegram::bot_api_client& c) {
          auto res = c.answer_callback_query(id, text);
          if (!res)
            spdlog::warn("outbox: answering button press {} failed: {}", id,
                         res.error().message);
          return call_report{};
        },
        false);
    },
    [self](atom::typing, std::int64_t chat_id) {
      // Best effort, not paced (chat actions are not messages); one a
      // second per chat at most.
      auto& s = self->state;
      auto now = now_of(s);
      auto& last = s.typing_at[chat_id];
      if (now - last < std::chrono::seconds{1})
        return;
      last = now;
      if (s.typing_at.size() > 4096)
        std::erase_if(s.typing_at, [now](const auto& kv) {
          return now - kv.second > std::chrono::seconds{10};
        });
      s.workers->post(
        0,
        [chat_id](telegram::bot_api_client& c) {
          auto res = c.send_chat_action(chat_id, "typing");
          if (!res)
            spdlog::debug("outbox: typing indicator for chat {} failed: {}",
                          chat_id, res.error().message);
          return call_report{};
        },
        false);
    },
    [self](atom::drain) -> caf::typed_response_promise<bool> {
      auto rp = self->make_response_promise<bool>();
      self->state.drains.push_back(rp);
      pump(self);
      return rp;
    },
    [self](atom::outbox_wake) {
      auto& s = self->state;
      if (s.armed <= std::chrono::steady_clock::now())
        s.armed = {}; // the timer fired (or is late): arm anew
      pump(self);
    },
  };
}

} // namespace telclaude
