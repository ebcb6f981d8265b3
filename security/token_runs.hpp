#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace telclaude::security {

/// Finds, in a stream of chunks, every run of `[A-Za-z0-9+/_-]` bytes that
/// reaches `min_length`: the candidates for entropy detection and the
/// Discord token check. Hyperscan would need a literal-free bounded repeat
/// for this, which runs at under 1 GB/s; a 64-byte bitmask (AVX2 when the
/// CPU has it) with run-length arithmetic skips ordinary text at a few
/// tens of GB/s.
class token_run_finder {
public:
  explicit token_run_finder(std::size_t min_length);

  /// Scans the chunk at stream offset `offset`; appends the begin offset of
  /// each run that reaches `min_length` inside it (once per run).
  void scan(const char* data, std::size_t size, std::uint64_t offset,
            std::vector<std::uint64_t>& run_begins);

  void reset();

private:
public:
  /// Settings and the run open at the end of the last write.
  struct state {
    std::size_t min_length;
    unsigned shift_a = 0;  ///< see the constructor
    unsigned shift_b = 0;
    std::uint64_t run_begin = 0;   ///< begin of the run open at the end
    std::uint64_t run_length = 0;  ///< its length so far (0: none open)
    bool reported = false;
  };

private:
  state s_;
};

/// The instructions the run finder, `token_run_length` and
/// `visible_tail_length` use: the best the CPU has, decided once at
/// start-up (AVX-512BW: 64-byte masks; AVX2 with BMI/LZCNT; portable).
enum class run_finder_isa : std::uint8_t { portable, avx2, avx512 };

/// The best `run_finder_isa` this CPU has.
run_finder_isa best_run_finder_isa();

/// Pins the run finder to `isa` (at most `best_run_finder_isa()`) so that
/// tests check every path the CPU can run; returns the previous one. Not
/// for use while other threads scan.
run_finder_isa set_run_finder_isa(run_finder_isa isa);

/// How many of the `size` bytes at `data` form a run of `[A-Za-z0-9+/_-]`
/// from its first byte (AVX2 when the CPU has it; reads nothing past
/// `data + size`).
std::size_t token_run_length(const char* data, std::size_t size);

/// How many of the last bytes of the `size` bytes at `data` are visible
/// ASCII (0x21-0x7e): the run a secret still being written could lie in.
std::size_t visible_tail_length(const char* data, std::size_t size);

} // namespace telclaude::security
