#pragma once

#include "security/redaction_engine.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>

namespace telclaude::security {

/// What `redact_pipe` did.
struct redact_pipe_result {
  std::uint64_t bytes = 0;     ///< input bytes read
  std::size_t findings = 0;    ///< ranges redacted
};

/// Streams `in` to `out` through one `redaction_stream`, feeding the engine
/// `chunk` bytes per write, with memory bounded by `chunk` plus the
/// stream's hold-back whatever the input size. With `findings_json`, writes
/// one JSON object per finding (`{"id":..,"begin":..,"end":..}`, byte
/// offsets in the input) as each is released. `chunk` must be >= 1.
redact_pipe_result redact_pipe(const redaction_engine& engine,
                               std::istream& in, std::ostream& out,
                               std::size_t chunk,
                               std::ostream* findings_json = nullptr);

} // namespace telclaude::security
