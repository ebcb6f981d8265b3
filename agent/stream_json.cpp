#include "agent/stream_json.hpp"

#include <simdjson.h>

#include <array>
#include <utility>

namespace telclaude::agent {

namespace {

using simdjson::dom::element;
// The readers below take an element or a lookup result (element or error)
// alike, so that chained lookups need no error checks in between.

constexpr std::string_view interrupted_marker = "[Request interrupted by user";
constexpr std::size_t input_summary_bytes = 120;

template <class Json>
std::string text_of(Json obj, std::string_view key) {
  std::string_view value;
  if (obj[key].get_string().get(value) != simdjson::SUCCESS)
    return {};
  return std::string{value};
}

template <class Json>
std::int64_t int_of(Json obj, std::string_view key) {
  std::int64_t value = 0;
  if (obj[key].get_int64().get(value) == simdjson::SUCCESS)
    return value;
  double real = 0;
  if (obj[key].get_double().get(real) == simdjson::SUCCESS)
    return static_cast<std::int64_t>(real);
  return 0;
}

template <class Json>
bool bool_of(Json obj, std::string_view key) {
  bool value = false;
  return obj[key].get_bool().get(value) == simdjson::SUCCESS && value;
}

template <class Json>
std::vector<std::string> strings_of(Json obj, std::string_view key) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (obj[key].get_array().get(items) != simdjson::SUCCESS)
    return out;
  for (auto item : items) {
    std::string_view value;
    if (item.get_string().get(value) == simdjson::SUCCESS)
      out.emplace_back(value);
  }
  return out;
}

/// The most telling field of a tool's input, on one line.
std::string summarize_input(element input) {
  static constexpr std::array keys{
    std::string_view{"file_path"}, std::string_view{"notebook_path"},
    std::string_view{"command"},   std::string_view{"path"},
    std::string_view{"pattern"},   std::string_view{"url"},
    std::string_view{"query"},     std::string_view{"description"},
    std::string_view{"skill"}};
  for (auto key : keys) {
    auto value = text_of(input, key);
    if (value.empty())
      continue;
    for (auto& c : value)
      if (c == '\n' || c == '\r' || c == '\t')
        c = ' ';
    return shorten_utf8(value, input_summary_bytes);
  }
  return {};
}

init_event to_init(element line) {
  return init_event{text_of(line, "session_id"), text_of(line, "model"),
                    text_of(line, "cwd"), text_of(line, "permissionMode"),
                    strings_of(line, "tools")};
}

void parse_system(element line, std::string_view subtype,
                  std::vector<event>& out) {
  if (subtype == "init") {
    out.emplace_back(to_init(line));
  } else if (subtype == "permission_denied") {
    out.emplace_back(permission_denied_event{text_of(line, "tool_name"),
                                             text_of(line, "tool_use_id"),
                                             text_of(line, "message")});
  } else if (subtype == "api_retry") {
    out.emplace_back(api_retry_event{
      int_of(line, "attempt"), int_of(line, "max_retries"),
      int_of(line, "error_status"), text_of(line, "error"),
      int_of(line, "retry_delay_ms")});
  } else {
    out.emplace_back(unknown_event{"system", std::string{subtype}});
  }
}

void parse_assistant(element line, std::vector<event>& out) {
  const bool synthetic = text_of(line["message"], "model") == "<synthetic>";
  simdjson::dom::array blocks;
  if (line["message"]["content"].get_array().get(blocks) != simdjson::SUCCESS)
    return;
  for (auto block : blocks) {
    auto type = text_of(block, "type");
    if (type == "text") {
      out.emplace_back(text_event{text_of(block, "text"), synthetic});
    } else if (type == "tool_use") {
      element input;
      std::string summary;
      if (block["input"].get(input) == simdjson::SUCCESS)
        summary = summarize_input(input);
      out.emplace_back(tool_use_event{text_of(block, "id"),
                                      text_of(block, "name"),
                                      std::move(summary)});
    }
  }
}

void parse_user(element line, std::vector<event>& out) {
  simdjson::dom::array blocks;
  if (line["message"]["content"].get_array().get(blocks) != simdjson::SUCCESS)
    return;
  for (auto block : blocks) {
    auto type = text_of(block, "type");
    if (type == "tool_result") {
      out.emplace_back(tool_result_event{text_of(block, "tool_use_id"),
                                         bool_of(block, "is_error")});
    } else if (type == "text"
               && text_of(block, "text").starts_with(interrupted_marker)) {
      out.emplace_back(interrupted_event{});
    }
  }
}

void parse_stream_event(element line, std::vector<event>& out) {
  element inner;
  if (line["event"].get(inner) != simdjson::SUCCESS)
    return;
  auto type = text_of(inner, "type");
  if (type == "content_block_delta"
      && text_of(inner["delta"], "type") == "text_delta")
    out.emplace_back(text_delta_event{text_of(inner["delta"], "text")});
  else
    out.emplace_back(unknown_event{"stream_event", std::move(type)});
}

result_event to_result(element line) {
  result_event r;
  r.subtype = text_of(line, "subtype");
  r.is_error = bool_of(line, "is_error");
  r.result = text_of(line, "result");
  r.errors = strings_of(line, "errors");
  r.session_id = text_of(line, "session_id");
  r.num_turns = int_of(line, "num_turns");
  double cost = 0;
  if (line["total_cost_usd"].get_double().get(cost) == simdjson::SUCCESS)
    r.total_cost_usd = cost;
  r.duration_ms = int_of(line, "duration_ms");
  r.input_tokens = static_cast<std::uint64_t>(
    int_of(line["usage"], "input_tokens"));
  r.output_tokens = static_cast<std::uint64_t>(
    int_of(line["usage"], "output_tokens"));
  r.terminal_reason = text_of(line, "terminal_reason");
  std::int64_t status = 0;
  if (line["api_error_status"].get_int64().get(status) == simdjson::SUCCESS)
    r.api_error_status = status;
  simdjson::dom::array denials;
  if (line["permission_denials"].get_array().get(denials)
      == simdjson::SUCCESS)
    for (auto denial : denials)
      r.permission_denials.push_back(permission_denial{
        text_of(denial, "tool_name"), text_of(denial, "tool_use_id")});
  return r;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

bool is_stale_session(const result_event& result) {
  constexpr std::string_view marker = "No conversation found";
  if (!result.is_error)
    return false;
  if (result.result.find(marker) != std::string::npos)
    return true;
  for (const auto& error : result.errors)
    if (error.find(marker) != std::string::npos)
      return true;
  return false;
}

std::string shorten_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return std::string{text};
  constexpr std::string_view ellipsis = "\xE2\x80\xA6";
  std::size_t cut = max_bytes > ellipsis.size() ? max_bytes - ellipsis.size()
                                                : 0;
  // Step back over continuation bytes (10xxxxxx) to a sequence start.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{text.substr(0, cut)} + std::string{ellipsis};
}

struct stream_json_parser::impl {
  simdjson::dom::parser parser;
};

stream_json_parser::stream_json_parser(std::size_t max_line_bytes)
  : impl_(std::make_unique<impl>()), max_line_bytes_(max_line_bytes) {
}

stream_json_parser::~stream_json_parser() = default;
stream_json_parser::stream_json_parser(stream_json_parser&&) noexcept
  = default;
stream_json_parser&
stream_json_parser::operator=(stream_json_parser&&) noexcept = default;

std::vector<event> stream_json_parser::parse_line(std::string_view line) {
  std::vector<event> out;
  if (blank(line))
    return out;
  if (line.size() > max_line_bytes_) {
    out.emplace_back(protocol_error_event{"line too long", line.size()});
    return out;
  }
  element doc;
  auto error = impl_->parser.parse(line.data(), line.size()).get(doc);
  if (error != simdjson::SUCCESS) {
    out.emplace_back(protocol_error_event{
      std::string{"not JSON: "} + simdjson::error_message(error),
      line.size()});
    return out;
  }
  std::string_view type;
  if (!doc.is_object()
      || doc["type"].get_string().get(type) != simdjson::SUCCESS) {
    out.emplace_back(protocol_error_event{"no \"type\" field", line.size()});
    return out;
  }
  auto subtype = text_of(doc, "subtype");
  if (type == "system")
    parse_system(doc, subtype, out);
  else if (type == "assistant")
    parse_assistant(doc, out);
  else if (type == "user")
    parse_user(doc, out);
  else if (type == "stream_event")
    parse_stream_event(doc, out);
  else if (type == "result")
    out.emplace_back(to_result(doc));
  if (out.empty())
    out.emplace_back(unknown_event{std::string{type}, std::move(subtype)});
  return out;
}

} // namespace telclaude::agent
