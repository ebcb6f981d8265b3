#pragma once

#include "security/core_patterns.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace telclaude::security {

/// Where a probe stands in its rule's `tail` (see `probe_step`).
struct probe_state {
  std::uint16_t step = 0;
  std::uint16_t count = 0;  ///< bytes matched in this step
  std::uint32_t alive = 0;  ///< `words`: candidates still matching
  char label[64] = {};      ///< `pem_label`: the label so far
};

enum class probe_result : std::uint8_t {
  more,   ///< every byte taken, undecided
  fail,   ///< the tail does not match
  match   ///< the tail matched; the match ends after the bytes taken
};

/// Matches the next `size` bytes of the stream against `tail`, from
/// `state`; `used` is how many bytes were taken. Bytes are read once, as
/// they arrive, so a probe never needs bytes of an earlier write.
probe_result feed_probe(std::span<const probe_step> tail, probe_state& state,
                        const char* data, std::size_t size,
                        std::size_t& used);

/// True when a probe of `tail` starting at `data` certainly fails at its
/// first step, a `run` followed by `text` (`://` then `[^\s:@/]{0,64}:`
/// fails at the first `/` of `https://host/`), judged from the `size`
/// bytes at `data` alone: exactly what `feed_probe` would decide, without
/// a probe. False when the tail has another shape, when the bytes run out
/// first, or when the run is followed by its text.
bool probe_fails_at_first_run(std::span<const probe_step> tail,
                              const char* data, std::size_t size);

} // namespace telclaude::security
