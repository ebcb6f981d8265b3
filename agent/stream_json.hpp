#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace telclaude::agent {

/// `system/init`: the session the CLI runs (new, or the resumed one).
struct init_event {
  std::string session_id;
  std::string model;
  std::string cwd;
  std::string permission_mode;
  std::vector<std::string> tools;
};

/// One assistant text block: a complete piece of the reply.
struct text_event {
  std::string text;
  /// Written by the CLI itself, not the model (e.g. "API Error: 500 ...").
  bool synthetic = false;
};

/// A token-level text delta (`stream_event`, with
/// `--include-partial-messages`); the complete block follows as text_event.
struct text_delta_event {
  std::string text;
};

/// The model asked to run a tool.
struct tool_use_event {
  std::string id;
  std::string name;
  /// The input's most telling field (file_path, command, pattern, url, ...),
  /// shortened; empty when there is none.
  std::string input_summary;
};

/// The outcome of a tool call, as fed back to the model.
struct tool_result_event {
  std::string tool_use_id;
  bool is_error = false;
};

/// `system/permission_denied`: a tool call the permission rules refused.
struct permission_denied_event {
  std::string tool_name;
  std::string tool_use_id;
  std::string message;
};

/// `system/api_retry`: the CLI retries a failed Messages API call.
struct api_retry_event {
  std::int64_t attempt = 0;
  std::int64_t max_retries = 0;
  std::int64_t status = 0;  ///< HTTP status, 0 when the connection failed.
  std::string error;
  std::int64_t retry_delay_ms = 0;
};

/// The turn was interrupted (SIGINT): the CLI writes a user line
/// "[Request interrupted by user]" and exits 0, without a result line.
struct interrupted_event {};

/// A tool call refused during the turn, as listed in the result.
struct permission_denial {
  std::string tool_name;
  std::string tool_use_id;
};

/// The final `result` line of a turn.
struct result_event {
  std::string subtype;  ///< "success", "error_during_execution", ...
  /// Trust this, not subtype: an API failure says "success" with is_error.
  bool is_error = false;
  std::string result;  ///< The reply text, or the error text.
  std::vector<std::string> errors;  ///< e.g. "No conversation found ..."
  std::string session_id;
  std::int64_t num_turns = 0;
  double total_cost_usd = 0;  ///< Cumulative across `--resume`.
  std::int64_t duration_ms = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::string terminal_reason;  ///< "completed", "api_error", ...
  std::optional<std::int64_t> api_error_status;
  std::vector<permission_denial> permission_denials;
};

/// A well-formed line of a type or subtype this parser does not model.
struct unknown_event {
  std::string type;
  std::string subtype;
};

/// A line that is not a stream-json object: not JSON, no `type`, or too
/// long. The agent process keeps running; the caller decides what to do.
struct protocol_error_event {
  std::string reason;
  std::size_t line_bytes = 0;
};

/// One typed stream-json event.
using event
  = std::variant<init_event, text_event, text_delta_event, tool_use_event,
                 tool_result_event, permission_denied_event, api_retry_event,
                 interrupted_event, result_event, unknown_event,
                 protocol_error_event>;

/// Whether a result says the resumed session does not exist, so the caller
/// drops the stored session id and retries the prompt in a fresh session.
bool is_stale_session(const result_event& result);

/// Shortens `text` to at most `max_bytes` bytes without splitting a UTF-8
/// sequence, ending in "…" when something was cut.
std::string shorten_utf8(std::string_view text, std::size_t max_bytes);

/// Parses Claude Code's `--output-format stream-json --verbose` output one
/// line at a time into typed events. Never throws on bad input: a line it
/// cannot read gives a protocol_error_event. Reuses its buffers across
/// lines; not thread-safe.
class stream_json_parser {
public:
  /// Lines longer than this are refused without being parsed.
  static constexpr std::size_t default_max_line_bytes = 8u << 20;

  explicit stream_json_parser(
    std::size_t max_line_bytes = default_max_line_bytes);
  ~stream_json_parser();
  stream_json_parser(stream_json_parser&&) noexcept;
  stream_json_parser& operator=(stream_json_parser&&) noexcept;

  /// The events of one line (an assistant line can carry several content
  /// blocks); empty for a blank line, otherwise at least one event.
  std::vector<event> parse_line(std::string_view line);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::size_t max_line_bytes_;
};

} // namespace telclaude::agent
