#define BOOST_TEST_MODULE stream_json
#include <boost/test/unit_test.hpp>

#include "agent/stream_json.hpp"
#include "tests/agent/test_support.hpp"

#include <fstream>

using namespace telclaude::agent;

namespace {

/// Every event of a fixture recorded from the real CLI.
std::vector<event> parse_fixture(const std::string& name) {
  auto path = std::filesystem::path{
                telclaude::testing::test_env("TELCLAUDE_SOURCE_DIR")}
              / "tests/agent/fixtures" / (name + ".jsonl");
  std::ifstream in{path};
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  stream_json_parser parser;
  std::vector<event> out;
  std::string line;
  while (std::getline(in, line))
    for (auto& e : parser.parse_line(line))
      out.push_back(std::move(e));
  return out;
}

template <class T>
std::vector<T> all_of(const std::vector<event>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (auto* x = std::get_if<T>(&e))
      out.push_back(*x);
  return out;
}

template <class T>
T only(const std::vector<event>& events) {
  auto found = all_of<T>(events);
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  return found.front();
}

} // namespace

BOOST_AUTO_TEST_CASE(text_reply) {
  auto events = parse_fixture("text");
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  auto init = std::get<init_event>(events[0]);
  BOOST_TEST(init.session_id == "e1967b04-7e43-4a04-b86d-efd7e88a70ce");
  BOOST_TEST(init.cwd == "/workspace");
  BOOST_TEST(init.model == "claude-opus-5-5");
  BOOST_TEST(init.permission_mode == "default");
  BOOST_TEST(init.tools.size() == 22u);
  auto text = std::get<text_event>(events[1]);
  BOOST_TEST(text.text == "Reply to turn 1: Say hello");
  BOOST_TEST(!text.synthetic);
  auto result = std::get<result_event>(events[2]);
  BOOST_TEST(result.subtype == "success");
  BOOST_TEST(!result.is_error);
  BOOST_TEST(result.result == "Reply to turn 1: Say hello");
  BOOST_TEST(result.session_id == init.session_id);
  BOOST_TEST(result.num_turns == 1);
  BOOST_TEST(result.total_cost_usd > 0.049);
  BOOST_TEST(result.duration_ms == 131);
  BOOST_TEST(result.input_tokens == 12304u);
  BOOST_TEST(result.output_tokens == 7u);
  BOOST_TEST(result.terminal_reason == "completed");
  BOOST_TEST(!result.api_error_status.has_value());
  BOOST_TEST(!is_stale_session(result));
}

BOOST_AUTO_TEST_CASE(resume_keeps_the_session_and_cumulates_cost) {
  auto first = only<result_event>(parse_fixture("text"));
  auto events = parse_fixture("resume");
  auto init = only<init_event>(events);
  BOOST_TEST(init.session_id == first.session_id);
  BOOST_TEST(only<text_event>(events).text == "Reply to turn 2: And again");
  auto result = only<result_event>(events);
  BOOST_TEST(result.total_cost_usd > first.total_cost_usd);
}

BOOST_AUTO_TEST_CASE(stale_session_on_resume) {
  auto events = parse_fixture("stale");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  auto result = std::get<result_event>(events[0]);
  BOOST_TEST(result.subtype == "error_during_execution");
  BOOST_TEST(result.is_error);
  BOOST_TEST(result.result.empty());
  BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
  BOOST_TEST(is_stale_session(result));
}

BOOST_AUTO_TEST_CASE(denied_write) {
  auto events = parse_fixture("tool_write_denied");
  auto use = only<tool_use_event>(events);
  BOOST_TEST(use.name == "Write");
  BOOST_TEST(use.id == "toolu_fake1");
  BOOST_TEST(use.input_summary == "/workspace/out.txt");
  auto denied = only<permission_denied_event>(events);
  BOOST_TEST(denied.tool_name == "Write");
  BOOST_TEST(denied.tool_use_id == use.id);
  BOOST_TEST(denied.message.find("haven't granted") != std::string::npos);
  auto tool_result = only<tool_result_event>(events);
  BOOST_TEST(tool_result.tool_use_id == use.id);
  BOOST_TEST(tool_result.is_error);
  BOOST_TEST(only<text_event>(events).text == "I could not write the file.");
  auto result = only<result_event>(events);
  BOOST_TEST(!result.is_error);
  BOOST_REQUIRE_EQUAL(result.permission_denials.size(), 1u);
  BOOST_TEST(result.permission_denials[0].tool_name == "Write");
  BOOST_TEST(result.permission_denials[0].tool_use_id == use.id);
}

BOOST_AUTO_TEST_CASE(allowed_read) {
  auto events = parse_fixture("tool_read");
  auto use = only<tool_use_event>(events);
  BOOST_TEST(use.name == "Read");
  BOOST_TEST(use.input_summary == "/workspace/notes.txt");
  auto tool_result = only<tool_result_event>(events);
  BOOST_TEST(!tool_result.is_error);
  BOOST_TEST(all_of<permission_denied_event>(events).empty());
  BOOST_TEST(only<result_event>(events).permission_denials.empty());
}

BOOST_AUTO_TEST_CASE(api_error_is_an_error_despite_success_subtype) {
  auto events = parse_fixture("api_error");
  auto text = only<text_event>(events);
  BOOST_TEST(text.synthetic);
  BOOST_TEST(text.text.starts_with("API Error: 500"));
  auto result = only<result_event>(events);
  BOOST_TEST(result.subtype == "success");
  BOOST_TEST(result.is_error);
  BOOST_TEST(result.terminal_reason == "api_error");
  BOOST_REQUIRE(result.api_error_status.has_value());
  BOOST_TEST(*result.api_error_status == 500);
  BOOST_TEST(!is_stale_session(result));
}

BOOST_AUTO_TEST_CASE(api_retry) {
  auto events = parse_fixture("api_retry");
  auto retry = only<api_retry_event>(events);
  BOOST_TEST(retry.attempt == 1);
  BOOST_TEST(retry.max_retries == 1);
  BOOST_TEST(retry.status == 429);
  BOOST_TEST(retry.error == "rate_limit");
  BOOST_TEST(retry.retry_delay_ms == 602);
  BOOST_TEST(!only<result_event>(events).is_error);
}

BOOST_AUTO_TEST_CASE(partial_messages_give_deltas) {
  auto events = parse_fixture("partial");
  auto delta = only<text_delta_event>(events);
  BOOST_TEST(delta.text == "Reply to turn 1: stream me");
  BOOST_TEST(only<text_event>(events).text == delta.text);
  auto unknown = all_of<unknown_event>(events);
  BOOST_TEST(unknown.size() == 6u);  // system/status, 5 other stream events
}

BOOST_AUTO_TEST_CASE(sigint_interrupts_without_result) {
  auto events = parse_fixture("interrupted");
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(std::holds_alternative<init_event>(events[0]));
  BOOST_TEST(std::holds_alternative<interrupted_event>(events[1]));
}

BOOST_AUTO_TEST_CASE(malformed_lines_give_protocol_errors) {
  stream_json_parser parser{64};
  for (std::string_view line :
       {"not json", "{\"type\":", "[1,2,3]", "{\"no_type\":1}",
        "{\"type\":42}", "\"just a string\"", "{\"type\":\"x\"}}",
        "\xff\xfe{\"type\":\"assistant\"}"}) {
    auto events = parser.parse_line(line);
    BOOST_REQUIRE_EQUAL(events.size(), 1u);
    BOOST_TEST(std::holds_alternative<protocol_error_event>(events[0]),
               "line: " << line);
  }
  auto too_long = parser.parse_line(
    "{\"type\":\"assistant\",\"padding\":\"" + std::string(64, 'x') + "\"}");
  BOOST_REQUIRE_EQUAL(too_long.size(), 1u);
  BOOST_TEST(std::get<protocol_error_event>(too_long[0]).reason
             == "line too long");
  BOOST_TEST(parser.parse_line("").empty());
  BOOST_TEST(parser.parse_line("  \r").empty());
  // The parser keeps working after garbage.
  auto ok = parser.parse_line(R"({"type":"result","is_error":false})");
  BOOST_TEST(std::holds_alternative<result_event>(ok.at(0)));
}

BOOST_AUTO_TEST_CASE(wrong_field_types_are_tolerated) {
  stream_json_parser parser;
  auto events = parser.parse_line(
    R"({"type":"assistant","message":{"content":[{"type":"text","text":5},)"
    R"({"type":"tool_use","input":"x"},7]}})");
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(std::get<text_event>(events[0]).text.empty());
  BOOST_TEST(std::get<tool_use_event>(events[1]).input_summary.empty());
  auto result = parser.parse_line(
    R"({"type":"result","num_turns":"x","usage":3,"errors":[1,"e"]})");
  auto r = std::get<result_event>(result.at(0));
  BOOST_TEST(r.num_turns == 0);
  BOOST_TEST(r.errors.size() == 1u);
  auto unknown = parser.parse_line(R"({"type":"rate_limit_event"})");
  BOOST_TEST(std::get<unknown_event>(unknown.at(0)).type
             == "rate_limit_event");
}

BOOST_AUTO_TEST_CASE(several_blocks_in_one_assistant_line) {
  stream_json_parser parser;
  auto events = parser.parse_line(
    R"({"type":"assistant","message":{"content":[)"
    R"({"type":"thinking","thinking":"hm"},{"type":"text","text":"a"},)"
    R"({"type":"tool_use","id":"t1","name":"Bash",)"
    R"("input":{"command":"ls\n-la"}}]}})");
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(std::get<text_event>(events[0]).text == "a");
  BOOST_TEST(std::get<tool_use_event>(events[1]).input_summary == "ls -la");
}

BOOST_AUTO_TEST_CASE(shorten_keeps_utf8_whole) {
  BOOST_TEST(shorten_utf8("short", 10) == "short");
  auto cut = shorten_utf8("ééééé", 6);  // 10 bytes
  BOOST_TEST(cut == "é\xE2\x80\xA6");
  BOOST_TEST(cut.size() <= 6u);
}
