#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace telclaude::telegram {

/// What one Telegram message of a reply should show.
struct message_content {
  std::string text;
  /// "HTML", or empty for plain text.
  std::string parse_mode;
  /// The inline keyboard (the preview's Stop button), if any.
  std::optional<nlohmann::json> markup;

  bool operator==(const message_content&) const = default;
};

/// One turn's reply as it streams: the text so far (Markdown) and the last
/// tool progress lines, rendered as Telegram messages.
///
/// While open, the last message is a preview: the text so far, then the
/// progress lines in italics, with a Stop button (`stop:<turn>`); every
/// earlier message holds a finished 4096-unit part without a button. Once
/// ended, every message is final (no progress, no button); an empty reply
/// reads `empty_text`. Pure: the outbox decides when messages are sent.
class turn_reply {
public:
  static constexpr const char* empty_text =
    "(The agent finished without a reply.)";

  explicit turn_reply(std::uint64_t turn, std::size_t max_progress = 3,
                      std::size_t max_utf16 = 4096);

  /// Appends text the redactor released.
  void append(std::string_view text);
  /// Adds a progress line (the oldest beyond `max_progress` drop out).
  void progress(std::string line);
  /// The turn ended: the reply is final.
  void end();

  bool ended() const {
    return ended_;
  }
  /// How many messages the reply needs now (0 before anything to show).
  std::size_t parts() const;
  /// Message `i` (< parts()) as it should look now.
  message_content render(std::size_t i) const;
  /// The same as plain text (after Telegram refused the HTML).
  message_content render_plain(std::size_t i) const;
  /// The Stop button's callback data, "stop:<turn>".
  std::string stop_data() const;

private:
  void rebuild();

  std::uint64_t turn_;
  std::size_t max_progress_;
  std::size_t max_utf16_;
  std::string markdown_;
  std::deque<std::string> progress_;
  /// The text rendered and split (HTML parts).
  std::vector<std::string> html_parts_;
  bool ended_ = false;
};

} // namespace telclaude::telegram
