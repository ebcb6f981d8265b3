#pragma once

#include "security/redaction_engine.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::security {

/// The read buffer of `redact_pipe` (input bytes per hand-on of `pipe`).
inline constexpr std::size_t pipe_read = 64 * 1024;

/// What the bench does with the output each write releases.
enum class bench_consumer {
  /// As `telclaude redact` (redact_pipe) does: the writes of each 64 KiB
  /// read (or of one larger write) append to one buffer, which is then
  /// handed on (folded into a checksum that reads every byte) and
  /// cleared, so it is reused while in the cache.
  pipe,
  /// As the relay's redactor actor does: each write's output is handed
  /// on (to the same checksum) on its own, then the buffer is cleared.
  write,
  /// Every write's output appended to one string the size of the corpus
  /// (the bench before: no product path consumes output this way).
  accumulate
};

/// How `run_redaction_bench` measures.
struct bench_options {
  /// Write sizes; 0 means the whole buffer in one write.
  std::vector<std::size_t> write_sizes{16, 64, 4096, 0};
  int runs = 5;                        ///< best of this many
  /// `std::regex` is ~1000x slower: it runs on this prefix of the corpus.
  std::size_t regex_bytes = 256 * 1024;
  bench_consumer consumer = bench_consumer::pipe;
};

/// One measurement: `bytes` of input through `method` at `write_size`.
struct bench_row {
  /// "telclaude", "hyperscan" (its database alone), "std::regex", "memchr"
  std::string method;
  std::size_t write_size;   ///< 0: whole buffer
  std::size_t bytes;
  double best_seconds;
  double gb_per_s;          ///< bytes / best wall time / 1e9
  std::size_t findings;
};

/// A throughput target the bench checks.
struct bench_target {
  std::string name;
  double required;
  double measured;
  bool met;
};

struct bench_report {
  std::size_t corpus_bytes = 0;
  std::size_t planted = 0;   ///< 0 when the corpus is the user's file
  std::vector<bench_row> rows;
  std::vector<bench_target> targets;
};

/// Runs telclaude (CORE + user patterns + entropy per `settings`), its
/// Hyperscan database alone, the `std::regex` baseline and `memchr` (+ the
/// write copied to the output) over `corpus`, side by side, at every write
/// size; GB/s = input bytes / best wall time of `runs`. Output goes to
/// `options.consumer`, the same for every method that produces output.
/// Throws `std::runtime_error` when telclaude's output at a write size is
/// not identical to one-shot redaction (checked untimed once, then every
/// timed run's output checksum against that run's).
bench_report run_redaction_bench(std::string_view corpus,
                                 const redaction_settings& settings,
                                 const bench_options& options);

/// The project's targets (docs/redaction.md), checked against `report`.
std::vector<bench_target> check_targets(const bench_report& report);

/// A table for people.
std::string format_bench_table(const bench_report& report);

/// The same as JSON, for scripts.
std::string format_bench_json(const bench_report& report);

} // namespace telclaude::security
