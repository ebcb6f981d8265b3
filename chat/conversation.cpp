#include "chat/conversation.hpp"
#include "chat/routing.hpp"

#include <algorithm>

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
  queue_.push_back(std::move(msg));
  return pump(now);
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
  if (out.stale_session && finished.resumed) {
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
    running_ = running_turn{turn, std::move(msg), resumed};
  }
  return result;
}

} // namespace telclaude::chat
