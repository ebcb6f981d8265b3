#pragma once

#include <string>
#include <string_view>

#include "agent/stream_json.hpp"

namespace telclaude::agent {

/// Longest progress line, in bytes (before redaction).
inline constexpr std::size_t max_progress_bytes = 100;

/// One compact line for a turn's preview saying what the agent does:
/// "Reading src/main.cpp", "Editing x", "Running: make test",
/// "Searching: foo", "Fetching https://...", or "Using <tool>" for any
/// other tool. `workdir` (when not empty) is cut from the front of paths.
///
/// The line is built from the tool input's summary, which may carry a
/// secret: the caller must still redact it. A summary the parser cut short
/// loses its last word, so a secret cut in the middle (which the redactor
/// might no longer recognise) is never shown in part. Control characters
/// are replaced and the line is at most max_progress_bytes long, cut at a
/// word boundary. Pure: no I/O.
std::string describe_tool(const tool_use_event& tool,
                          std::string_view workdir = {});

} // namespace telclaude::agent
