#define BOOST_TEST_MODULE tool_progress
#include <boost/test/unit_test.hpp>

#include "agent/stream_json.hpp"
#include "agent/tool_progress.hpp"

using namespace telclaude::agent;

namespace {

tool_use_event tool(std::string name, std::string summary) {
  return tool_use_event{"toolu_1", std::move(name), std::move(summary)};
}

} // namespace

BOOST_AUTO_TEST_CASE(known_tools_get_a_verb) {
  struct row {
    const char* name;
    const char* summary;
    const char* expected;
  };
  const row rows[] = {
    {"Read", "/w/src/main.cpp", "Reading src/main.cpp"},
    {"Read", "/elsewhere/a.txt", "Reading /elsewhere/a.txt"},
    {"Edit", "/w/x", "Editing x"},
    {"MultiEdit", "/w/x", "Editing x"},
    {"Write", "/w/notes.md", "Writing notes.md"},
    {"Bash", "make test", "Running: make test"},
    {"Grep", "foo", "Searching: foo"},
    {"Glob", "**/*.cpp", "Finding files: **/*.cpp"},
    {"WebFetch", "https://example.org/a", "Fetching https://example.org/a"},
    {"WebSearch", "caf actors", "Searching the web: caf actors"},
    {"Task", "explore the tree", "Delegating: explore the tree"},
    {"TodoWrite", "", "Updating the plan"},
    {"Read", "", "Using Read"},
    {"mcp__github__search", "q", "Using mcp__github__search"},
    {"", "", "Using a tool"},
  };
  for (const auto& r : rows)
    BOOST_TEST(describe_tool(tool(r.name, r.summary), "/w") == r.expected,
               r.name << " " << r.summary);
}

BOOST_AUTO_TEST_CASE(the_workdir_is_cut_only_as_a_whole_prefix) {
  BOOST_TEST(describe_tool(tool("Read", "/wx/a"), "/w") == "Reading /wx/a");
  BOOST_TEST(describe_tool(tool("Read", "/w/a"), "/w/") == "Reading a");
  BOOST_TEST(describe_tool(tool("Read", "/w/a"), "") == "Reading /w/a");
}

BOOST_AUTO_TEST_CASE(control_characters_never_reach_the_line) {
  auto line = describe_tool(tool("Bash", "echo a\x1b[31m\x07"), "");
  for (char c : line)
    BOOST_TEST(static_cast<unsigned char>(c) >= 0x20);
  auto name = describe_tool(tool("Evil\nTool\x01", ""), "");
  BOOST_TEST(name == "Using Evil_Tool_");
  BOOST_TEST(describe_tool(tool(std::string(80, 'T'), ""), "").size()
             == std::string{"Using "}.size() + 40);
}

BOOST_AUTO_TEST_CASE(a_summary_cut_by_the_parser_loses_its_partial_word) {
  // The parser cuts long inputs at 120 bytes with "…": a key cut there
  // might no longer look like a key, so its visible part is dropped.
  std::string cmd = "curl -H 'x-api-key: sk-ant-api03-" + std::string(200, 'A')
                    + "' https://api.example";
  auto summary = shorten_utf8(cmd, 120);
  BOOST_REQUIRE(summary.ends_with("…"));
  auto line = describe_tool(tool("Bash", summary), "");
  BOOST_TEST(line == "Running: curl -H 'x-api-key: …");
  BOOST_TEST(line.find("sk-ant") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_lines_are_cut_at_a_word_and_stay_utf8) {
  std::string words;
  for (int i = 0; i < 40; ++i)
    words += "wörd ";
  auto line = describe_tool(tool("Bash", words), "");
  BOOST_TEST(line.size() <= max_progress_bytes + 4);
  BOOST_TEST(line.ends_with(" …"));
  BOOST_TEST(line.find("wörd wörd") != std::string::npos);
  // A single long token is never shown in part.
  auto one = describe_tool(tool("Read", "/" + std::string(300, 'p')), "");
  BOOST_TEST(one == "Reading …");
}
