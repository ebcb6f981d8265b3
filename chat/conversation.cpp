#include "chat/conversation.hpp"
#include "chat/routing.hpp"

#include <algorithm>
#include <charconv>

namespace telclaude::chat {

namespace {

/// The first word of a message without a `@botname` suffix.
std::string command_word(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos)
    return {};
  auto end = text.find_first_of(" \t\r\n", begin);
  auto word = text.substr(begin, end == std::string::npos ? std::string::npos
                                                          : end - begin);
  if (auto at = word.find('@'); at != std::string::npos)
    word.resize(at);
  return word;
}

/// `text` cut to at most `max` bytes at a UTF-8 boundary, with "…".
std::string excerpt(const std::string& text, std::size_t max) {
  std::string s;
  for (char c : text)
    s += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  if (s.size() <= max)
    return s;
  auto end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  s.resize(end);
  return s + "…";
}

std::string duration_text(clock::duration d) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (secs < 0)
    secs = 0;
  if (secs < 60)
    return std::to_string(secs) + " s";
  return std::to_string(secs / 60) + " min " + std::to_string(secs % 60)
         + " s";
}

std::string queued_text(std::size_t n) {
  if (n == 1)
    return "⏳ Your message is queued: it runs when the current reply is "
           "done. /stop ends the current run.";
  return "⏳ " + std::to_string(n)
         + " messages are queued: they run one after another, in order, "
           "when the current reply is done. /stop ends the current run.";
}

/// The turn a Stop button names, when its data is `stop:<digits>`.
std::optional<std::uint64_t> stop_press(const chat_message& msg) {
  const std::string_view data = msg.callback_data;
  if (msg.callback_id.empty() || data.substr(0, 5) != "stop:")
    return std::nullopt;
  std::uint64_t turn = 0;
  auto digits = data.substr(5);
  auto [end, ec] = std::from_chars(digits.data(),
                                   digits.data() + digits.size(), turn);
  if (ec != std::errc{} || end != digits.data() + digits.size())
    return std::uint64_t{0};  // names no turn: a stale press
  return turn;
}

} // namespace

conversation::conversation(std::string key, std::int64_t chat_id,
                           options opts,
                           std::function<std::uint64_t()> next_turn)
  : opts_(std::move(opts)), next_turn_(std::move(next_turn)) {
  record_.key = std::move(key);
  record_.chat_id = chat_id;
}

bool conversation::is_reset_trigger(const std::string& text) const {
  auto word = command_word(text);
  return std::find(opts_.reset_triggers.begin(), opts_.reset_triggers.end(),
                   word)
         != opts_.reset_triggers.end();
}

std::vector<action> conversation::on_message(chat_message msg,
                                             clock::time_point now) {
  if (!msg.callback_id.empty()) {
    // Only Stop presses are passed on to a conversation.
    auto turn = stop_press(msg);
    return on_stop(msg, turn.value_or(0), true);
  }
  auto word = command_word(msg.text);
  if (word == "/stop")
    return on_stop(msg, std::nullopt, false);
  if (word == "/status")
    return on_status(msg, now);
  bool behind_a_run = running_.has_value();
  if (queue_.empty())
    queue_noticed_ = false;
  queue_.push_back(std::move(msg));
  if (behind_a_run) {
    last_queued_ = now;
    if (queue_noticed_ || timer_armed_)
      return {};
    timer_armed_ = true;
    return {arm_timer{opts_.queue_notice_delay}};
  }
  return pump(now);
}

std::vector<action> conversation::on_tick(clock::time_point now) {
  timer_armed_ = false;
  if (!running_ || queue_.empty() || queue_noticed_)
    return {};
  auto quiet = now - last_queued_;
  if (quiet < opts_.queue_notice_delay) {
    timer_armed_ = true;
    return {arm_timer{std::chrono::ceil<std::chrono::milliseconds>(
      opts_.queue_notice_delay - quiet)}};
  }
  queue_noticed_ = true;
  return {send_notice{record_.chat_id, queued_text(queue_.size()), 0}};
}

std::vector<action>
conversation::on_stop(const chat_message& msg,
                      std::optional<std::uint64_t> pressed, bool press) {
  std::vector<action> out;
  auto reply = [&](std::string text) {
    if (press) {
      out.emplace_back(answer_callback{msg.callback_id, std::move(text)});
      out.emplace_back(mark_done{msg.update_id});
    } else {
      out.emplace_back(
        send_notice{msg.chat_id, std::move(text), msg.update_id});
    }
  };
  if (!running_ || (pressed && *pressed != running_->turn)) {
    reply(press ? "This run has already ended (or is not yours to stop)."
                : "Nothing is running.");
    return out;
  }
  if (msg.user_id != running_->message.user_id && !msg.sender_is_admin) {
    reply("Only the person who started this run (or the admin) can stop "
          "it.");
    return out;
  }
  if (!running_->stop_requested) {
    running_->stop_requested = true;
    out.emplace_back(stop_run{running_->turn});
  }
  if (press)
    reply("Stopping…");
  else if (queue_.empty())
    reply("⏹ Stopping the current run.");
  else
    reply("⏹ Stopping the current run; " + std::to_string(queue_.size())
          + (queue_.size() == 1 ? " queued message runs" :
                                  " queued messages run")
          + " next.");
  return out;
}

std::vector<action> conversation::on_status(const chat_message& msg,
                                            clock::time_point now) const {
  std::string text;
  if (running_) {
    text = (running_->stop_requested ? "⏹ Stopping: " : "▶️ Running: ")
           + std::string{"“"} + excerpt(running_->message.text, 60)
           + "” for " + duration_text(now - running_->started) + ".";
  } else {
    text = "Nothing is running.";
  }
  if (queue_.empty())
    text += "\nNothing queued.";
  else
    text += "\n⏳ " + std::to_string(queue_.size())
            + (queue_.size() == 1 ? " message" : " messages") + " queued.";
  return {send_notice{msg.chat_id, std::move(text), msg.update_id}};
}

std::vector<action> conversation::on_loaded(session_record record,
                                            clock::time_point now) {
  if (!record.key.empty()) {
    record_ = std::move(record);
  }
  loaded_ = true;
  return pump(now);
}

std::vector<action>
conversation::on_started(std::uint64_t turn,
                         const std::string& agent_session_id) {
  if (!running_ || running_->turn != turn || agent_session_id.empty())
    return {};
  if (record_.agent_session_id == agent_session_id)
    return {};
  // Saved as soon as the agent names it, so a crash mid-turn still resumes.
  record_.agent_session_id = agent_session_id;
  return {save_record{record_}};
}

std::vector<action> conversation::on_finished(std::uint64_t turn,
                                              const run_outcome& out,
                                              clock::time_point now) {
  if (!running_ || running_->turn != turn)
    return {};
  auto finished = std::move(*running_);
  running_.reset();
  std::vector<action> result;
  if (out.stale_session && finished.resumed && !finished.stop_requested) {
    // The agent no longer knows the session: forget it and run the same
    // message once more in a fresh one.
    record_.agent_session_id.clear();
    result.emplace_back(save_record{record_});
    queue_.push_front(std::move(finished.message));
  } else {
    if (!out.agent_session_id.empty())
      record_.agent_session_id = out.agent_session_id;
    record_.last_activity_ms = to_unix_ms(now);
    ++record_.turns;
    result.emplace_back(save_record{record_});
  }
  auto more = pump(now);
  result.insert(result.end(), std::make_move_iterator(more.begin()),
                std::make_move_iterator(more.end()));
  return result;
}

std::vector<action> conversation::pump(clock::time_point now) {
  std::vector<action> result;
  while (loaded_ && !running_ && !queue_.empty()) {
    auto msg = std::move(queue_.front());
    queue_.pop_front();
    if (is_reset_trigger(msg.text)) {
      record_.agent_session_id.clear();
      result.emplace_back(save_record{record_});
      result.emplace_back(
        send_notice{msg.chat_id, notice::new_conversation,
                    msg.update_id});
      continue;
    }
    auto idle_for = now - from_unix_ms(record_.last_activity_ms);
    if (!record_.agent_session_id.empty() && record_.last_activity_ms != 0
        && idle_for > opts_.idle_timeout) {
      record_.agent_session_id.clear();
      result.emplace_back(save_record{record_});
    }
    auto turn = next_turn_();
    bool resumed = !record_.agent_session_id.empty();
    result.emplace_back(start_run{msg, record_.agent_session_id, turn});
    running_ = running_turn{turn, std::move(msg), resumed, now};
  }
  return result;
}

} // namespace telclaude::chat
