#include "agent/tool_progress.hpp"

#include <array>

namespace telclaude::agent {

namespace {

constexpr std::string_view ellipsis = "…";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// Tool names are the agent's (MCP tools are named by their servers):
/// printable ASCII only, at most 40 bytes.
std::string clean_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (out.size() == 40)
      break;
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x21 && u < 0x7f) ? c : '_';
  }
  return out.empty() ? std::string{"a tool"} : out;
}

/// Drops everything from the last space on (keeping at least one word):
/// what follows a cut is not shown in part.
std::string drop_last_word(std::string s) {
  auto space = s.find_last_of(' ');
  if (space == std::string::npos || space == 0)
    return {};
  s.resize(space);
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

/// The summary on one line, without a partial last word when cut.
std::string clean_summary(std::string_view summary, std::string_view workdir) {
  std::string s;
  for (char c : summary) {
    auto u = static_cast<unsigned char>(c);
    s += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (ends_with(s, ellipsis)) {
    s.resize(s.size() - ellipsis.size());
    s = drop_last_word(std::move(s));
    if (!s.empty())
      s += " …";
  }
  if (!workdir.empty()) {
    std::string prefix{workdir};
    if (prefix.back() != '/')
      prefix += '/';
    if (s.rfind(prefix, 0) == 0)
      s.erase(0, prefix.size());
  }
  return s;
}

/// `line` cut to max_progress_bytes at a word boundary, ending in "…".
std::string fit(std::string line) {
  if (line.size() <= max_progress_bytes)
    return line;
  line.resize(max_progress_bytes - ellipsis.size());
  // Never cut a UTF-8 sequence, and never show a partial last word.
  line = drop_last_word(std::move(line));
  if (line.empty())
    return std::string{ellipsis};
  return line + " " + std::string{ellipsis};
}

struct verb {
  std::string_view tool;
  std::string_view text;  // "Reading " or "Running: "
};

constexpr std::array<verb, 13> verbs{{
  {"Read", "Reading "},
  {"NotebookRead", "Reading "},
  {"Edit", "Editing "},
  {"MultiEdit", "Editing "},
  {"NotebookEdit", "Editing "},
  {"Write", "Writing "},
  {"Bash", "Running: "},
  {"BashOutput", "Reading output of "},
  {"Grep", "Searching: "},
  {"Glob", "Finding files: "},
  {"WebFetch", "Fetching "},
  {"WebSearch", "Searching the web: "},
  {"Task", "Delegating: "},
}};

} // namespace

std::string describe_tool(const tool_use_event& tool,
                          std::string_view workdir) {
  auto summary = clean_summary(tool.input_summary, workdir);
  if (tool.name == "TodoWrite")
    return "Updating the plan";
  for (const auto& v : verbs) {
    if (tool.name != v.tool)
      continue;
    if (summary.empty())
      return fit("Using " + clean_name(tool.name));
    return fit(std::string{v.text} + summary);
  }
  return fit("Using " + clean_name(tool.name));
}

} // namespace telclaude::agent
