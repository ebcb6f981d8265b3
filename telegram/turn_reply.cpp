#include "telegram/turn_reply.hpp"

#include "telegram/markdown_html.hpp"

namespace telclaude::telegram {

turn_reply::turn_reply(std::uint64_t turn, std::size_t max_progress,
                       std::size_t max_utf16)
  : turn_(turn), max_progress_(max_progress), max_utf16_(max_utf16) {
}

void turn_reply::append(std::string_view text) {
  if (text.empty())
    return;
  markdown_ += text;
  rebuild();
}

void turn_reply::progress(std::string line) {
  if (max_progress_ == 0)
    return;
  progress_.push_back(std::move(line));
  while (progress_.size() > max_progress_)
    progress_.pop_front();
}

void turn_reply::end() {
  ended_ = true;
  progress_.clear();
  if (markdown_.find_first_not_of(" \t\r\n") == std::string::npos)
    html_parts_ = {escape_html(empty_text)};
}

void turn_reply::rebuild() {
  // Telegram trims a message's surrounding blanks: so does the preview.
  auto end = markdown_.find_last_not_of(" \t\r\n");
  auto text = std::string_view{markdown_}.substr(
    0, end == std::string::npos ? 0 : end + 1);
  html_parts_ = split_html(markdown_to_html(text), max_utf16_);
}

std::size_t turn_reply::parts() const {
  if (!html_parts_.empty())
    return html_parts_.size();
  return !ended_ && !progress_.empty() ? 1 : 0;
}

std::string turn_reply::stop_data() const {
  return "stop:" + std::to_string(turn_);
}

message_content turn_reply::render(std::size_t i) const {
  message_content m;
  m.parse_mode = "HTML";
  if (i < html_parts_.size())
    m.text = html_parts_[i];
  const bool last = i + 1 >= parts();
  if (ended_ || !last)
    return m;
  // The preview: progress lines (when they fit) and the Stop button.
  std::string lines;
  for (const auto& p : progress_)
    lines += "\n<i>" + escape_html(p) + "</i>";
  if (!lines.empty() && html_visible_utf16(m.text) +
                            html_visible_utf16(lines) + 1 <= max_utf16_) {
    if (m.text.empty())
      lines.erase(0, 1);
    else
      lines.insert(0, "\n");
    m.text += lines;
  }
  if (m.text.empty())
    m.text = "…";
  nlohmann::json button{{"text", "⏹ Stop"}, {"callback_data", stop_data()}};
  auto row = nlohmann::json::array({button});
  m.markup =
    nlohmann::json{{"inline_keyboard", nlohmann::json::array({row})}};
  return m;
}

message_content turn_reply::render_plain(std::size_t i) const {
  auto m = render(i);
  m.text = html_to_plain(m.text);
  m.parse_mode.clear();
  if (m.text.find_first_not_of(" \t\r\n") == std::string::npos)
    m.text = "…";
  return m;
}

} // namespace telclaude::telegram
